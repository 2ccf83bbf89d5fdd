"""Geography read with a year: SCB's population grid, municipal borders, localities.

- :mod:`.borders`: the county's municipal borders (shipped, or the region's own file);
- :mod:`.population_grid`: reading a population file (SCB's grid as downloaded,
  or the older ``x,y``/``lat,lon`` point files) and assigning cells to municipalities;
- :mod:`.completeness`: the region's localities (``orter.csv``) and the warnings
  that the list of shops may be incomplete;
- :mod:`.projection`: WGS 84 and SWEREF 99 TM coordinates (used by the analysis too).

Heavy imports (geopandas, shapely) happen inside the functions, so importing this
package stays cheap.
"""
