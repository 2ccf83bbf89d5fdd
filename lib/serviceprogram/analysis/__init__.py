"""Analysis: what the year's validated data say.

Indicators (:mod:`.indicators`), straight-line access (:mod:`.access`), the
population grid and municipal borders (:mod:`.geo`), road distances
(:mod:`.roads`) and the what-if scenarios (:mod:`.whatif`).
"""
