"""The model: sourced data → plan → scenario → settings → phase graph.

``data`` reads ``data/geo/``; ``plan`` holds every line and node with their phases;
``scenario`` and ``settings`` are the planner's what-ifs and parameters; ``graph`` builds
the phase graph; ``osm`` and ``streets`` load and attach local streets; ``phase`` is the
one object that ties them together.
"""
