#!/bin/sh
# Regenerates the fixtures of this folder from one bundled OSCD tile (ImageMagick 6, Debian package 'imagemagick').
# Run from the repository root: sh tests/GeoSSL.Tests/Fixtures/bad-images/make.sh
set -e
src=samples/data/oscd-subset/tiles/abudhabi/abudhabi_00_00_20160120.png
out=tests/GeoSSL.Tests/Fixtures/bad-images
convert=/usr/bin/convert
# 8-bit grayscale PNG (colour type 0) holding the tile's green channel exactly.
$convert "$src" -strip -channel G -separate +channel -define png:color-type=0 -define png:bit-depth=8 "$out/gray8.png"
# 16-bit RGB PNG (colour type 2) of the tile's top-left 32x32 pixels: each 8-bit value v stored as v*257.
$convert "$src" -strip -crop 32x32+0+0 +repage -depth 16 -define png:color-type=2 -define png:bit-depth=16 "$out/rgb16.png"
# Palette PNG (colour type 3) of the top-left 16x16 pixels: 256 pixels, so at most 256 colours and no quantisation.
$convert "$src" -strip -crop 16x16+0+0 +repage -define png:color-type=3 "$out/palette.png"
# CMYK JPEG (4 components, Adobe marker, no ICC profile), quality 95.
$convert "$src" -strip -colorspace CMYK -quality 95 "$out/cmyk.jpg"
