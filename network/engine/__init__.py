"""The engine: routing on compiled arrays (scipy), travel-time surfaces, isochrones, population."""
