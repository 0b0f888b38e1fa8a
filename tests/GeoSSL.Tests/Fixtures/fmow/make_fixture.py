#!/usr/bin/env python3
"""Builds the fMoW-RGB-layout fixture from real OSCD Sentinel-2 tiles in ../shared/data/oscd-s2-rgb.

Run from this folder: python3 make_fixture.py /path/to/shared/data/oscd-s2-rgb
Needs ImageMagick's `convert` (PNG -> JPEG). Writes <split>/<category>/<category>_<n>/<category>_<n>_<k>_rgb.{jpg,json}
and sources.csv (which tile each image came from, with the tile's real centre and date: the tests' expected values).
"""
import csv, json, math, os, subprocess, sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "..", "..", "..", "..", "shared", "data", "oscd-s2-rgb")
# (split, category, OSCD location): 3 train + 1 val locations per category, each imaged on two dates.
PLAN = [
    ("train", "urban_area", "paris_00_00"), ("train", "urban_area", "hongkong_00_00"), ("train", "urban_area", "mumbai_00_00"),
    ("val", "urban_area", "nantes_00_00"),
    ("train", "airport", "abudhabi_00_00"), ("train", "airport", "beihai_00_00"), ("train", "airport", "lasvegas_00_00"),
    ("val", "airport", "cupertino_00_00"),
]
HALF_SIDE_M = 32 * 10.0  # a 64 px tile at 10 m/px
M_PER_DEG_LAT = 111320.0

rows = {}
with open(os.path.join(SRC, "manifest.csv"), newline="") as f:
    for r in csv.DictReader(f):
        rows.setdefault(r["LocationId"], []).append(r)

def ring(lat, lon):
    """Square around the centre, closed like fMoW's WKT, with an extra vertex on the north edge a quarter of the way
    along: it leaves the area centroid on the tile centre but moves the plain vertex mean away (the tests tell them apart)."""
    dlat = HALF_SIDE_M / M_PER_DEG_LAT
    dlon = HALF_SIDE_M / (M_PER_DEG_LAT * math.cos(math.radians(lat)))
    w, e, s, n = lon - dlon, lon + dlon, lat - dlat, lat + dlat
    pts = [(w, s), (e, s), (e, n), (w + 1.5 * dlon, n), (w, n), (w, s)]
    return "POLYGON ((" + ", ".join(f"{x:.9f} {y:.9f}" for x, y in pts) + "))"

counters = {}
sources = []
for split, cat, loc in PLAN:
    n = counters.get((split, cat), 0)
    counters[(split, cat)] = n + 1
    inst = f"{cat}_{n}"
    folder = os.path.join(split, cat, inst)
    os.makedirs(folder, exist_ok=True)
    for k, r in enumerate(sorted(rows[loc], key=lambda r: r["Date"])):
        stem = os.path.join(folder, f"{inst}_{k}_rgb")
        subprocess.run(["convert", os.path.join(SRC, r["ImagePath"]), "-strip", "-quality", "90", stem + ".jpg"], check=True)
        lat, lon = float(r["Latitude"]), float(r["Longitude"])
        meta = {  # fields as in fMoW-RGB's metadata; only timestamp and raw_location are read
            "gsd": 10.0, "img_width": 64, "img_height": 64,
            "timestamp": r["Date"] + "T00:00:00Z",  # the source gives only the date
            "raw_location": ring(lat, lon),
            "country_code": "", "cloud_cover": 0, "sensor_platform_name": "SENTINEL-2",
            "bounding_boxes": [{"box": [8, 8, 48, 48], "category": cat, "ID": 1000 + len(sources)}],
        }
        with open(stem + ".json", "w") as f:
            json.dump(meta, f, indent=1)
        sources.append([f"{stem}.jpg".replace(os.sep, "/"), r["ImagePath"], r["LocationId"], r["Latitude"], r["Longitude"], r["Date"]])

with open("sources.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["ImagePath", "SourceTile", "SourceLocationId", "Latitude", "Longitude", "Date"])
    w.writerows(sources)
