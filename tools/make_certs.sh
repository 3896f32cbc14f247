#!/usr/bin/env bash
# make_certs.sh DIR: test certificates for the TLS tests and the loopback fixtures, one case per
# tls_verify word. Every leaf NAME comes as NAME.pem (the leaf alone), NAME-chain.pem (what a server
# serves: the leaf, then its intermediate when it has one) and NAME-key.pem.
#
#   ca.pem                  the local root CA: trust it with --ca-file (or SSL_CERT_FILE)
#   intermediate.pem        signed by ca.pem; signs every leaf below except self and untrusted
#   valid       valid.test          ok; notAfter fixed at 2099-12-31T23:59:59Z so tests can pin it
#   expired     expired.test        notAfter 2021-01-01T00:00:00Z (in the past)
#   notyet      notyet.test         notBefore 2099-01-01T00:00:00Z (in the future)
#   wrong       other.test          serve it as wrong.test: hostname_mismatch
#   ip          IP 127.0.0.1, ::1   SAN IP addresses only
#   self        self.test           signs itself: self_signed
#   untrusted   untrusted.test      signed by untrusted-ca.pem, a root nobody trusts; untrusted-chain.pem
#                                   carries that root after the leaf, untrusted.pem is the leaf without it
#   invalid     invalid.test        extendedKeyUsage clientAuth only: not for a server, so OpenSSL
#                                   reports X509_V_ERR_INVALID_PURPOSE (tls_verify `invalid`)
#   revoked     revoked.test        revoked by the intermediate (reason keyCompromise)
#
# OCSP responses (DER) for a server to staple, made by `openssl ocsp` from the intermediate's database,
# valid for 100 years from the moment they are made (nextUpdate), so a run never finds them expired:
#   revoked-ocsp.der         "revoked" for revoked.pem, signed by the intermediate
#   valid-ocsp.der           "good" for valid.pem, signed by the intermediate
#   revoked-ocsp-forged.der  "revoked" for revoked.pem, signed by untrusted-ca.pem: no trusted signer
#
# Keys are EC P-256 (quick to make). Dates are explicit (`openssl ca -startdate/-enddate`: OpenSSL 3.0's
# `x509 -req` cannot set notBefore). Idempotent: each run makes a fresh set and moves it into DIR,
# replacing the files above and nothing else.
set -Eeuo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
out_dir=$1
mkdir -p "$out_dir"
work=$(mktemp -d "$out_dir/.make_certs.XXXXXX")
trap 'rm -rf "$work"' EXIT
# openssl's chatter goes to a log, shown only when a step fails.
log="$work/openssl.log"
trap 'echo "$0: failed; openssl said:" >&2; cat "$log" >&2' ERR

# Roots and intermediates outlive every leaf, so no test starts failing as the years pass.
readonly kCaStart=20200101000000Z
readonly kCaEnd=21250101000000Z
readonly kValidEnd=20991231235959Z

cat >"$work/openssl.cnf" <<'EOF'
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused
[ ca ]
default_ca = local_ca
[ local_ca ]
dir = .
database = $ENV::CA_DB
new_certs_dir = $ENV::CA_NEW
serial = $ENV::CA_SERIAL
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
commonName = supplied
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_intermediate ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::SAN
# Only for TLS clients: a server presenting it fails the purpose check.
[ v3_client_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::SAN
# A self-signed server certificate as `openssl req -x509` and distribution "snakeoil" certificates make
# it: no keyUsage, so OpenSSL recognises it as self-signed (X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT).
[ v3_self ]
basicConstraints = critical, CA:FALSE
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = $ENV::SAN
EOF

export OPENSSL_CONF="$work/openssl.cnf"
export CA_DB="$work/index.txt" CA_NEW="$work/new" CA_SERIAL="$work/serial" SAN="DNS:unused"
: >"$CA_DB"
mkdir "$CA_NEW"
echo 1000 >"$CA_SERIAL"

new_key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/$1-key.pem" 2>>"$log"
}

# sign NAME ISSUER EXTENSIONS START END CN: NAME.pem from a new key, issued by ISSUER(.pem, -key.pem).
sign() {
  local name=$1 issuer=$2 ext=$3 start=$4 end=$5 cn=$6
  new_key "$name"
  openssl req -new -key "$work/$name-key.pem" -subj "/CN=$cn" -out "$work/$name.csr" 2>>"$log"
  openssl ca -batch -notext -config "$OPENSSL_CONF" -cert "$work/$issuer.pem" \
    -keyfile "$work/$issuer-key.pem" -extensions "$ext" -startdate "$start" -enddate "$end" \
    -in "$work/$name.csr" -out "$work/$name.pem" 2>>"$log"
}

# self_sign NAME EXTENSIONS CN: a self-signed NAME.pem (roots and the self-signed leaf).
self_sign() {
  local name=$1 ext=$2 cn=$3
  new_key "$name"
  openssl req -new -key "$work/$name-key.pem" -subj "/CN=$cn" -out "$work/$name.csr" 2>>"$log"
  openssl ca -batch -notext -selfsign -config "$OPENSSL_CONF" -keyfile "$work/$name-key.pem" \
    -extensions "$ext" -startdate "$kCaStart" -enddate "$kCaEnd" \
    -in "$work/$name.csr" -out "$work/$name.pem" 2>>"$log"
}

self_sign ca v3_root "urlsweep test root CA"
sign intermediate ca v3_intermediate "$kCaStart" "$kCaEnd" "urlsweep test intermediate CA"
self_sign untrusted-ca v3_root "urlsweep untrusted root CA"

SAN="DNS:valid.test" sign valid intermediate v3_leaf "$kCaStart" "$kValidEnd" valid.test
SAN="DNS:expired.test" sign expired intermediate v3_leaf "$kCaStart" 20210101000000Z expired.test
SAN="DNS:notyet.test" sign notyet intermediate v3_leaf 20990101000000Z 21000101000000Z notyet.test
SAN="DNS:other.test" sign wrong intermediate v3_leaf "$kCaStart" "$kValidEnd" other.test
SAN="IP:127.0.0.1,IP:::1" sign ip intermediate v3_leaf "$kCaStart" "$kValidEnd" 127.0.0.1
SAN="DNS:untrusted.test" sign untrusted untrusted-ca v3_leaf "$kCaStart" "$kValidEnd" untrusted.test
SAN="DNS:self.test" self_sign self v3_self self.test
SAN="DNS:invalid.test" sign invalid intermediate v3_client_leaf "$kCaStart" "$kValidEnd" invalid.test
SAN="DNS:revoked.test" sign revoked intermediate v3_leaf "$kCaStart" "$kValidEnd" revoked.test

# Marks revoked.pem revoked in the database (index.txt) that `openssl ocsp` answers from.
openssl ca -batch -config "$OPENSSL_CONF" -cert "$work/intermediate.pem" \
  -keyfile "$work/intermediate-key.pem" -revoke "$work/revoked.pem" -crl_reason keyCompromise \
  2>>"$log"

# ocsp_response LEAF SIGNER OUT: the response of the intermediate's database on LEAF, signed by
# SIGNER(.pem, -key.pem), written to OUT. No nonce: a stapled response answers no particular request.
readonly kOcspDays=36500
ocsp_response() {
  local leaf=$1 signer=$2 out=$3
  openssl ocsp -issuer "$work/intermediate.pem" -cert "$work/$leaf.pem" -no_nonce \
    -reqout "$work/$leaf.ocsp-req" >>"$log" 2>&1
  openssl ocsp -index "$CA_DB" -CA "$work/intermediate.pem" -rsigner "$work/$signer.pem" \
    -rkey "$work/$signer-key.pem" -reqin "$work/$leaf.ocsp-req" -ndays "$kOcspDays" \
    -respout "$work/$out" >>"$log" 2>&1
}
ocsp_response revoked intermediate revoked-ocsp.der
ocsp_response valid intermediate valid-ocsp.der
ocsp_response revoked untrusted-ca revoked-ocsp-forged.der

for leaf in valid expired notyet wrong ip invalid revoked; do
  cat "$work/$leaf.pem" "$work/intermediate.pem" >"$work/$leaf-chain.pem"
done
cat "$work/untrusted.pem" "$work/untrusted-ca.pem" >"$work/untrusted-chain.pem"
cp "$work/self.pem" "$work/self-chain.pem"

for name in ca intermediate untrusted-ca valid expired notyet wrong ip untrusted self invalid revoked; do
  for suffix in .pem -key.pem; do
    mv -f "$work/$name$suffix" "$out_dir/$name$suffix"
  done
  if [[ -e "$work/$name-chain.pem" ]]; then mv -f "$work/$name-chain.pem" "$out_dir/$name-chain.pem"; fi
done
for response in revoked-ocsp.der valid-ocsp.der revoked-ocsp-forged.der; do
  mv -f "$work/$response" "$out_dir/$response"
done
