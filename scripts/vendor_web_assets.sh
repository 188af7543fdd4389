#!/usr/bin/env bash
# Re-vendor the web app's front-end assets from the npm registry into the package, so that the
# app never loads anything from a CDN or tile server at run time. Run by a developer when a
# version changes (the files are committed); needs npm and network access to the registry.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=src/threadline/web/static/vendor
PACKAGES=(cytoscape@3.34.4 leaflet@1.9.4 topojson-client@3.1.0 world-atlas@2.0.2)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for spec in "${PACKAGES[@]}"; do
    (cd "$work" && npm pack "$spec" --silent >/dev/null)
done
for tarball in "$work"/*.tgz; do
    name=$(basename "$tarball" .tgz)
    mkdir -p "$work/$name" && tar xzf "$tarball" -C "$work/$name"
done
rm -rf "$DEST" && mkdir -p "$DEST"
cp "$work"/cytoscape-*/package/dist/cytoscape.min.js "$DEST/"
cp "$work"/cytoscape-*/package/LICENSE "$DEST/cytoscape.LICENSE"
cp "$work"/leaflet-*/package/dist/leaflet.js "$work"/leaflet-*/package/dist/leaflet.css "$DEST/"
cp "$work"/leaflet-*/package/LICENSE "$DEST/leaflet.LICENSE"
cp "$work"/topojson-client-*/package/dist/topojson-client.min.js "$DEST/"
cp "$work"/topojson-client-*/package/LICENSE "$DEST/topojson-client.LICENSE"
cp "$work"/world-atlas-*/package/countries-50m.json "$DEST/"
cp "$work"/world-atlas-*/package/LICENSE "$DEST/world-atlas.LICENSE"
printf '%s\n' "${PACKAGES[@]}" > "$DEST/VERSIONS"
echo "vendored into $DEST:"
ls -la "$DEST"
