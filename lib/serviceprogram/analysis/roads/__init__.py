"""Road distance and car travel time to the nearest open service point (issue 15).

- :mod:`.graph`: a directed road graph as scipy.sparse matrices (metres and minutes).
- :mod:`.osm`: builds the graph from an OpenStreetMap extract (``.osm.pbf``, pyosmium).
- :mod:`.distances`: snaps points to the network (cKDTree on node coordinates) and runs
  one multi-source Dijkstra per service type and metric, never one search per cell.
- :mod:`.search`: that Dijkstra, compiled with numba so that the searches run in
  parallel threads (same answers as ``scipy.sparse.csgraph.dijkstra``).

- :mod:`.gpkg`: builds the graph from road lines in a GeoPackage (e.g. NVDB).
- :mod:`.figures`: the year's road figures for the report, the what-if page and the
  indicators, searched once per year and cached.
- :mod:`.compare_osm`: ``serviceprogram jamfor-osm``, OSM places missing from the list.

See docs/vagnat.md.
"""
from .distances import RoadResult, road_distances, snap
from .graph import DEFAULT_SPEEDS_KMH, FERRY_SPEED_KMH, MAX_SNAP_M, RoadGraph, build_graph
from .osm import read_osm

__all__ = ["RoadGraph", "RoadResult", "build_graph", "read_osm", "road_distances", "snap",
           "DEFAULT_SPEEDS_KMH", "FERRY_SPEED_KMH", "MAX_SNAP_M"]
