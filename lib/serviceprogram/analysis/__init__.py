"""Analysis: what the year's validated data say.

Indicators (:mod:`.indicators`), straight-line access (:mod:`.access`), the
population grid and municipal borders (:mod:`.geo`), road distances
(:mod:`.roads`), the what-if scenarios (:mod:`.scenario`) and the shops that matter
(:mod:`.shops`). Projection, distance bands and service-point rules:
:mod:`.geo.projection`, :mod:`.bands`, :mod:`.service_points`.
"""
