"""The reform-measure workflow (改革举措): its table, binding, queries and read models."""
