"""Apache Spark as a second engine: the same stages as Spark jobs.

Install with ``pip install threadline[spark]`` (and Java 17+). Importing :mod:`threadline`
never imports pyspark; only this package does, when it is used. The per-post work
(validation, extraction, screening) runs the very Python functions of the DuckDB path inside
Arrow UDFs over partitions; shuffles (identifier groups, id classification) are Spark
group-bys and windows; connected components are iterative Spark SQL (:mod:`.components`).
"""
