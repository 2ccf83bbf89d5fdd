"""Analysis: what the year's validated data say.

Indicators (:mod:`.indicators`), straight-line access (:mod:`.access`), road
distances (:mod:`.roads`), the what-if scenarios (:mod:`.scenario`), the shops that
matter (:mod:`.shops`), distance bands (:mod:`.bands`) and the checks of a loaded
year that need its indicators (:mod:`.checks`). The population grid, the borders,
the projection and the service-point rules are read with the year:
:mod:`serviceprogram.inputs.geo`, :mod:`serviceprogram.inputs.service_points`.
"""
