#!/usr/bin/env bash
# Configure the git clean filter for notebooks in this clone (.gitattributes names it):
# JupyterLab's autosave may write outputs into notebooks/*.ipynb, but git only ever
# sees the stored form (outputs only in cells tagged nbval-check-output).
# Does nothing outside a git work tree.
set -e
cd "$(dirname "$0")/.."
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || exit 0
git config filter.notebook-outputs.clean ".venv/bin/python scripts/clean_notebook.py"
git config filter.notebook-outputs.smudge cat
