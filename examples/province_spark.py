"""A province's parkdb dataset read by Spark: land per park, and tax and
value added per mu of each park's firms in a year, straight from the
Parquet files `parkdb export-parquet` writes (no parkdb needed here).

    parkdb --db zone.parkdb export-parquet province/ --park east --as-of 2005-12-31
    python -m venv spark-venv && spark-venv/bin/pip install pyspark==4.0.1
    spark-venv/bin/python examples/province_spark.py province/ 2005

Spark discovers the `park=<CODE>` directories as a `park` column and skips
`_manifests` and `_staging`; decimals stay decimals (area 亩 to 4 places,
money 元 to 2), dates dates. It needs a Java runtime (17 or later).
"""

import sys
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def main(directory: str, year: int) -> None:
    spark = (
        SparkSession.builder.appName("parkdb province")
        .master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    start = time.perf_counter()
    parcels = spark.read.parquet(f"{directory}/parcels")
    yearly = spark.read.parquet(f"{directory}/yearly")
    print("parcels schema:", ", ".join(f"{f.name}: {f.dataType.simpleString()}" for f in parcels.schema.fields[:6]))

    current = parcels.where(F.col("status") != "retired")
    land = (
        current.groupBy("park")
        .agg(
            F.count("*").alias("parcels"),
            F.sum("area_mu").alias("requisitioned_mu"),
            F.sum(F.when(F.col("holder_id").isNotNull(), F.col("area_mu"))).alias("supplied_mu"),
            F.sum(F.when(F.col("idle"), F.col("area_mu"))).alias("idle_mu"),
        )
        .orderBy("park")
    )
    print("land per park:")
    for r in land.collect():
        print(f"  {r.park}: {r.parcels} parcels, {r.requisitioned_mu} 亩 requisitioned, "
              f"{r.supplied_mu} 亩 supplied, {r.idle_mu or 0} 亩 idle")

    held = (
        current.where(F.col("holder_id").isNotNull())
        .groupBy("park", F.col("holder_id").alias("enterprise_id"))
        .agg(F.sum("area_mu").alias("land_mu"))
    )
    firms = yearly.where(F.col("year") == year).join(held, ["park", "enterprise_id"])
    per_mu = (
        firms.groupBy("park")
        .agg(
            F.count("*").alias("firms"),
            F.sum("tax_yuan").alias("tax_yuan"),
            F.sum("value_added_yuan").alias("value_added_yuan"),
            F.sum("land_mu").alias("land_mu"),
        )
        .withColumn("tax_per_mu_wan", F.col("tax_yuan") / 10000 / F.col("land_mu"))
        .withColumn("value_added_per_mu_wan", F.col("value_added_yuan") / 10000 / F.col("land_mu"))
        .orderBy(F.desc("tax_per_mu_wan"))
    )
    print(f"tax and value added per mu, {year}, firms with land and figures:")
    for r in per_mu.collect():
        print(f"  {r.park}: {r.firms} firms on {r.land_mu} 亩, "
              f"亩均税收 {float(r.tax_per_mu_wan):.2f} 万元, 亩均增加值 {float(r.value_added_per_mu_wan):.2f} 万元")
    print(f"done in {time.perf_counter() - start:.1f} s (Spark {spark.version}, local[2])")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2005)
