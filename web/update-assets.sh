#!/usr/bin/env bash
# Refreshes the GraphiQL, React and ReactDOM files under web/assets/vendor/
# from the npm registry, so that the page never needs a CDN.
#
# To move to new versions: change the pins below (version and the
# registry's dist.integrity, from `npm view PACKAGE@VERSION dist.integrity`),
# run this script, check the page with the browser test
# (`OMNIGATE_REQUIRE_BROWSER=1 go test ./web/`) and commit the result.
#
# Only built files and licenses are copied; source maps are left out to keep
# the binary small.
set -euo pipefail

# name version integrity
PINS=(
	"graphiql 3.9.0 sha512-rJYFlHdBbug9+YbFSwRVvgfPjCayC7wHecZkx/qB4XLuQPFQZw/yB9pmHFtOJV6RiNBBHro3u1GdocKa3YcGRA=="
	"react 18.3.1 sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=="
	"react-dom 18.3.1 sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=="
)

# Which files of each package the page needs, as "path-in-package".
files_of() {
	case "$1" in
	graphiql) echo "graphiql.min.js graphiql.min.css LICENSE" ;;
	react) echo "umd/react.production.min.js LICENSE" ;;
	react-dom) echo "umd/react-dom.production.min.js LICENSE" ;;
	*) echo "update-assets.sh: no file list for package $1" >&2; exit 1 ;;
	esac
}

here="$(cd "$(dirname "$0")" && pwd)"
dest="$here/assets/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

rm -rf "$dest"
mkdir -p "$dest"

{
	echo "# Vendored browser files"
	echo
	echo "Copied unchanged from the npm registry by \`web/update-assets.sh\`; do not edit by hand."
	echo "To update, change the pins in that script and run it."
	echo
	echo "| package | version | file | bytes | sha256 |"
	echo "| --- | --- | --- | --- | --- |"
} >"$work/README.md"

for pin in "${PINS[@]}"; do
	read -r name version integrity <<<"$pin"
	echo "update-assets: npm pack $name@$version"
	json="$(cd "$work" && npm pack --json --silent "$name@$version")"
	got="$(printf '%s' "$json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{process.stdout.write(JSON.parse(s)[0].integrity)})')"
	if [[ "$got" != "$integrity" ]]; then
		echo "update-assets: $name@$version integrity is $got, pinned $integrity" >&2
		exit 1
	fi
	tgz="$(printf '%s' "$json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{process.stdout.write(JSON.parse(s)[0].filename)})')"
	mkdir -p "$work/$name"
	tar -xzf "$work/$tgz" -C "$work/$name"
	mkdir -p "$dest/$name"
	for f in $(files_of "$name"); do
		src="$work/$name/package/$f"
		if [[ ! -f "$src" ]]; then
			echo "update-assets: $name@$version has no $f" >&2
			exit 1
		fi
		cp "$src" "$dest/$name/$(basename "$f")"
		bytes="$(wc -c <"$src" | tr -d ' ')"
		sum="$(sha256sum "$src" | cut -d' ' -f1)"
		echo "| $name | $version | $(basename "$f") | $bytes | \`$sum\` |" >>"$work/README.md"
	done
done

{
	echo
	echo "graphiql.min.js bundles GraphiQL's own dependencies (graphql-js, CodeMirror 5,"
	echo "Radix UI, markdown-it and others, all under the MIT license); the LICENSE next"
	echo "to it is GraphiQL's."
} >>"$work/README.md"
cp "$work/README.md" "$dest/README.md"
echo "update-assets: wrote $dest"
