"""Write the JSON Schemas of the results folder into lib/serviceprogram/resources/resultat/.

Run after changing the manifest's model in serviceprogram/results.py (tests/test_results.py fails until then):
    .venv/bin/python scripts/write_result_schemas.py
"""
import json
from pathlib import Path

from serviceprogram import results

FOLDER = Path(__file__).resolve().parents[1] / "lib" / "serviceprogram" / "resources" / results.FOLDER

for name, schema in results.json_schemas().items():
    (FOLDER / results.SCHEMA_FILES[name]).write_text(json.dumps(schema, ensure_ascii=False, indent=1) + "\n",
                                                     encoding="utf-8")
