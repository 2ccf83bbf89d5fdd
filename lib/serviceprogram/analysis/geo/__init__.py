"""Geography for the access analysis: SCB's population grid and municipal borders.

- :mod:`.borders`: the county's municipal borders (shipped, or the region's own file);
- :mod:`.population_grid`: reading a population file (SCB's grid as downloaded,
  or the older ``x,y``/``lat,lon`` point files) and assigning cells to municipalities.

Heavy imports (geopandas, shapely) happen inside the functions, so importing this
package stays cheap.
"""
