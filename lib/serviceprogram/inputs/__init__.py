"""Input: reading a data folder, checking it against the data contract, starting a year.

Reading (:mod:`.reading`, :mod:`.parsing`, :mod:`.hygiene`), the contract's tables
(:mod:`.schemas`) and the programme file (:mod:`.program`, :mod:`.case`), the one
entry point for a year (:mod:`.loading`), the support caps (:mod:`.caps`), the
analyst's own text (:mod:`.analyst_text`), the population grid, borders and
localities (:mod:`.geo`), which service points count (:mod:`.service_points`),
and starting a data folder or a year (:mod:`.newregion`, :mod:`.newyear`, :mod:`.reference`).
"""
