"""Publishing: the computed results as report sections, charts, workbooks and the memo.

The yearly report's sections (:mod:`.report`), the what-if page
(:mod:`.whatif`), the overview (:mod:`.overview`), charts and maps
(:mod:`.charts`, :mod:`.access_charts`, :mod:`.access_maps`), the board memo
(:mod:`.memo`), the workbooks (:mod:`.workbooks`) and HTML/PDF rendering
(:mod:`.render`). Prose lives in ``serviceprogram/templates/``.
"""
