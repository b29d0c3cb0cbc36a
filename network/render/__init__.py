"""Rendering: scenes drawn as offline folium maps, matplotlib figures and Markdown reports.

Nothing here builds a graph: everything is drawn from a phase and what it has computed.
"""
