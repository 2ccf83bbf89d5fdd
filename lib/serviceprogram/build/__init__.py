"""Build: the engine that turns data folders into published report folders.

The engine (:mod:`.engine`: validate, run the notebooks in a pool, publish) with
its parts (:mod:`.parts`), staging folders (:mod:`.staging`) and workers
(:mod:`.workers`), which
years are stale (:mod:`.cache`), which folders the tool may write
(:mod:`.folders`), workers that end with their build (:mod:`.lifeline`) and the
notebooks' stored form (:mod:`.notebook_store`).
"""
