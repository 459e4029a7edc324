#!/usr/bin/env bash
# Makes the certificate that encrypts the portal's Data Protection keys at rest, for docker compose: prints the two
# .env lines KHP_DATAPROTECTION_PFX (base64 PKCS#12) and KHP_DATAPROTECTION_PASSWORD. Usage:
#   scripts/dataprotection-cert.sh >> .env        (once; keep .env out of version control)
# Keep the certificate as long as the key ring exists: keys encrypted to it cannot be read without it. To rotate, make
# a new one and pass the old one as DataProtection__PreviousCertificates__0__Path/Password (see the Web README).
set -euo pipefail
command -v openssl >/dev/null || { echo "openssl is required (apt-get install -y openssl)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
password=$(openssl rand -hex 24)
openssl req -x509 -newkey rsa:3072 -sha256 -nodes -days 3650 -subj "/CN=KubeHardenPortal Data Protection" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
openssl pkcs12 -export -inkey "$work/key.pem" -in "$work/cert.pem" -passout "pass:$password" -out "$work/keys.pfx"
echo "KHP_DATAPROTECTION_PFX=$(base64 -w0 "$work/keys.pfx")"
echo "KHP_DATAPROTECTION_PASSWORD=$password"
