#!/usr/bin/env bash
# Development certificates for mutual TLS between B and A (docs/security.md), made with openssl:
#
#   DIR/ca/ca.crt, ca.key             the CA that signs both (keep ca.key out of any container)
#   DIR/service-a/tls.crt, tls.key    A's server certificate, for the names below
#   DIR/service-a/ca.crt              the CA A trusts for client certificates
#   DIR/service-b/tls.crt, tls.key    B's client certificate (CN service-b)
#   DIR/service-b/ca.crt              the CA B trusts for A's certificate
#
# The file names are cert-manager's (tls.crt, tls.key, ca.crt), so a Kubernetes Secret made from a
# service's directory and one issued by cert-manager look the same to the services.
#
# Usage: scripts/certs.sh [options] [DIR]        (DIR defaults to ./certs)
#   --force          replace certificates that exist (files are replaced one by one, each atomically)
#   --if-missing     when DIR already holds all of them (both services' certificates and the CA's),
#                    say so and exit 0 instead of refusing: for a step that runs at every start
#                    (docker-compose.yml's one-shot "certs"). Some but not all: still refused.
#   --ca CA_DIR      sign with the CA in CA_DIR (ca.crt, ca.key) instead of making a new one: renew
#                    or rotate the services' certificates without changing what they trust
#   --days N         validity of the services' certificates in days (default 365; -1 makes expired
#                    ones, for tests)
#   --a-names "N…"   A's names (DNS names or IP addresses, space-separated); default: localhost,
#                    127.0.0.1, service-a and its Kubernetes names in the namespace "default"
set -euo pipefail

dir=certs
force=false
if_missing=false
ca_dir=
days=365
a_names="localhost 127.0.0.1 service-a service-a.default service-a.default.svc service-a.default.svc.cluster.local"
while [ $# -gt 0 ]; do
    case "$1" in
        --force) force=true ;;
        --if-missing) if_missing=true ;;
        --ca) ca_dir="${2:?--ca needs a directory}"; shift ;;
        --days) days="${2:?--days needs a number}"; shift ;;
        --a-names) a_names="${2:?--a-names needs names}"; shift ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "certs.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) dir="$1" ;;
    esac
    shift
done
command -v openssl >/dev/null || { echo "certs.sh: needs openssl (apt-get install openssl)" >&2; exit 1; }
[[ "$days" =~ ^-?[0-9]+$ ]] || { echo "certs.sh: --days must be a whole number, got '$days'" >&2; exit 2; }

if ! $force; then
    existing=()
    for f in "$dir"/service-a/tls.crt "$dir"/service-b/tls.crt "$dir"/ca/ca.crt; do
        [ ! -e "$f" ] || existing+=("$f")
    done
    if $if_missing && [ ${#existing[@]} -eq 3 ]; then
        echo "certs.sh: $dir already holds the certificates; keeping them (pass --force to replace them)"
        exit 0
    fi
    if [ ${#existing[@]} -gt 0 ]; then
        echo "certs.sh: ${existing[0]} exists; not overwriting (pass --force to replace the certificates)" >&2
        exit 1
    fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [ -n "$ca_dir" ]; then
    cp "$ca_dir/ca.crt" "$ca_dir/ca.key" "$work/"
else
    key "$work/ca.key"
    openssl req -x509 -new -key "$work/ca.key" -out "$work/ca.crt" -days 3650 -subj "/CN=lab1 development CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

sans=()
for name in $a_names; do
    if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then sans+=("IP:$name"); else sans+=("DNS:$name"); fi
done
san="$(IFS=,; echo "${sans[*]}")"

# leaf NAME CN USAGE [SAN]: a key and a certificate signed by the CA.
leaf() {
    local name="$1" cn="$2" usage="$3" ext="$work/$1.ext"
    key "$work/$name.key"
    openssl req -new -key "$work/$name.key" -out "$work/$name.csr" -subj "/CN=$cn" 2>/dev/null
    {
        echo "basicConstraints=critical,CA:FALSE"
        echo "keyUsage=critical,digitalSignature,keyEncipherment"
        echo "extendedKeyUsage=$usage"
        [ -z "${4:-}" ] || echo "subjectAltName=$4"
    } > "$ext"
    openssl x509 -req -in "$work/$name.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
        -days "$days" -extfile "$ext" -out "$work/$name.crt" 2>/dev/null
}
leaf service-a service-a serverAuth "$san"
leaf service-b service-b clientAuth "DNS:service-b"

# install SRC DEST MODE: in place by rename, so that a service watching DEST never reads half a file.
install_file() {
    mkdir -p "$(dirname "$2")"
    cp "$1" "$2.new" && chmod "$3" "$2.new" && mv -f "$2.new" "$2"
}
if [ -z "$ca_dir" ]; then
    install_file "$work/ca.key" "$dir/ca/ca.key" 600
    install_file "$work/ca.crt" "$dir/ca/ca.crt" 644
fi
for service in service-a service-b; do
    install_file "$work/ca.crt" "$dir/$service/ca.crt" 644
    # Keys readable by the group: containers run as a user of their own (compose mounts them read-only).
    install_file "$work/$service.key" "$dir/$service/tls.key" 640
    install_file "$work/$service.crt" "$dir/$service/tls.crt" 644
done

echo "certs.sh: wrote certificates valid for $days days (CA: ${ca_dir:-$dir/ca}):"
echo "  $dir/service-a/{tls.crt,tls.key,ca.crt}   A, for: $a_names"
echo "  $dir/service-b/{tls.crt,tls.key,ca.crt}   B's client certificate"
[ -n "$ca_dir" ] || echo "  $dir/ca/{ca.crt,ca.key}                 the CA (keep ca.key private)"
