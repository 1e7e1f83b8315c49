#!/usr/bin/env bash
# Regenerates every test certificate, key and chain bundle in testcerts/.
#
# Uses only the `openssl` CLI (3.0). Safe to run again at any time: everything is rebuilt in a
# scratch directory and then copied over the old files, so the set stays consistent (new keys,
# new fingerprints; tests read the fingerprints from *.sha1 / *.sha256, never hard-code them).
#
# All certificates are issued with `openssl ca`, because OpenSSL 3.0's `req -x509` and
# `x509 -req` cannot set notBefore: the fixed start date (2024-01-01) keeps the set valid for
# tests that pin "now" to 2026-06-01, and the end date (2124) means nothing ever expires,
# except the deliberately expired and not-yet-valid cases.
set -euo pipefail

OUT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

START=20240101000000Z
END=21240101000000Z

# --- configuration ---------------------------------------------------------------------------
cat > ca.cnf <<'EOF'
[ ca ]
default_ca = test_ca

[ test_ca ]
dir              = .
database         = ./index.txt
new_certs_dir    = ./newcerts
default_md       = sha256
policy           = policy_any
unique_subject   = no
email_in_dn      = no
copy_extensions  = none
rand_serial      = yes

[ policy_any ]
countryName            = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = optional

[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = placeholder

# Trust anchors: "tlsprobe Test Root CA" and the untrusted "other" root.
[ v3_root ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

# A root cross-signed by another (older) root: the same subject and key as the self-signed
# root, an issuer of its own (the 2021 "ISRG Root X1 cross-signed by DST Root CA X3" shape).
[ v3_cross ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_intermediate ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# An "intermediate" without basicConstraints: OpenSSL accepts it as an issuer (keyCertSign
# present, non-strict mode), browsers do not.
[ v3_intermediate_no_bc ]
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# The healthy server leaf every other case is a variation of.
[ leaf_default ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = @san_default
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ san_default ]
DNS.1 = tlsprobe.test
DNS.2 = www.tlsprobe.test
DNS.3 = localhost
IP.1  = 127.0.0.1
IP.2  = ::1

[ leaf_client_auth ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = clientAuth
subjectAltName         = @san_default
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ leaf_no_eku ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
subjectAltName         = @san_default
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ leaf_wrong_host ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:other.example
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ leaf_kenc_only ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = @san_default
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ leaf_wildcard ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:*.tlsprobe.test
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# No subjectAltName at all: only the subject CN names the host (legacy CN fallback).
[ leaf_cn_only ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ leaf_self_signed ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = @san_default
subjectKeyIdentifier   = hash

# Path-validation cases (issue 17). An intermediate that may issue further CAs (no pathlen),
# so the test intermediate (pathlen 0) above it is exceeded.
[ v3_sub_intermediate ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# An intermediate limited to the test names (RFC 5280 section 4.2.1.10).
[ v3_intermediate_nc ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
nameConstraints        = critical, permitted;DNS:tlsprobe.test, permitted;DNS:localhost, permitted;IP:127.0.0.0/255.0.0.0, permitted;IP:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# An "intermediate" that says CA:FALSE outright (not just a missing extension).
[ v3_intermediate_ca_false ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF

# --- helpers ---------------------------------------------------------------------------------
rsa_key() { openssl genpkey -quiet -algorithm RSA -pkeyopt "rsa_keygen_bits:${2:-2048}" -out "$1"; }
ec_key() {
    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -pkeyopt ec_param_enc:named_curve -out "$1"
}

# issue <out.pem> <key> <subject> <ext section> <issuer cert|-self> <issuer key> [md] [start] [end]
issue() {
    local out=$1 key=$2 subj=$3 ext=$4 ca_cert=$5 ca_key=$6
    local md=${7:-sha256} start=${8:-$START} end=${9:-$END}
    rm -rf newcerts index.txt && mkdir newcerts && : > index.txt
    openssl req -new -config ca.cnf -key "$key" -subj "$subj" -out req.csr
    local signer=(-cert "$ca_cert" -keyfile "$ca_key")
    [[ $ca_cert == -self ]] && signer=(-selfsign -keyfile "$key")
    openssl ca -batch -notext -config ca.cnf "${signer[@]}" -in req.csr -out "$out" \
        -subj "$subj" -preserveDN -md "$md" -startdate "$start" -enddate "$end" \
        -extfile ca.cnf -extensions "$ext" 2> ca.log || { cat ca.log >&2; exit 1; }
}

LEAF_SUBJ="/O=tlsprobe/CN=tlsprobe.test"
INT=intermediate-ca

# leaf <case> <ext> [md] [start] [end] [issuer stem]: <case>.key + <case>.leaf.pem
leaf() {
    local name=$1 ext=$2 md=${3:-sha256} start=${4:-$START} end=${5:-$END} issuer=${6:-$INT}
    [[ -f $name.key ]] || rsa_key "$name.key"
    issue "$name.leaf.pem" "$name.key" "$LEAF_SUBJ" "$ext" "$issuer.pem" "$issuer.key" "$md" "$start" "$end"
}

# bundle <case> <files...>: <case>.chain.pem in served order
bundle() { local name=$1; shift; cat "$@" > "$name.chain.pem"; }

# `generate.sh path-validation`: only the path-validation cases, issued by the committed
# root and intermediate (the rest of testcerts/ stays as it is).
ONLY_PATH_VALIDATION=0
[[ ${1:-} == path-validation ]] && ONLY_PATH_VALIDATION=1
if (( ONLY_PATH_VALIDATION )); then
    cp "$OUT"/{root-ca,intermediate-ca,unrelated}.{pem,key} .
fi

# --- hierarchies -----------------------------------------------------------------------------
if (( ! ONLY_PATH_VALIDATION )); then
rsa_key root-ca.key
issue root-ca.pem root-ca.key "/O=tlsprobe/CN=tlsprobe Test Root CA" v3_root -self -
rsa_key intermediate-ca.key
issue intermediate-ca.pem intermediate-ca.key "/O=tlsprobe/CN=tlsprobe Test Intermediate CA" \
    v3_intermediate root-ca.pem root-ca.key

rsa_key other-root-ca.key
issue other-root-ca.pem other-root-ca.key "/O=tlsprobe Other/CN=tlsprobe Other Root CA" v3_root -self -
rsa_key other-intermediate-ca.key
issue other-intermediate-ca.pem other-intermediate-ca.key \
    "/O=tlsprobe Other/CN=tlsprobe Other Intermediate CA" v3_intermediate other-root-ca.pem other-root-ca.key

# A certificate for another site, from the other hierarchy: the stray cert of extra-cert.
rsa_key unrelated.key
issue unrelated.pem unrelated.key "/O=tlsprobe Other/CN=unrelated.example" leaf_wrong_host \
    other-intermediate-ca.pem other-intermediate-ca.key

rsa_key no-bc-intermediate-ca.key
issue no-bc-intermediate-ca.pem no-bc-intermediate-ca.key \
    "/O=tlsprobe/CN=tlsprobe Intermediate without basicConstraints" v3_intermediate_no_bc root-ca.pem root-ca.key

fi  # hierarchies

# --- served cases ----------------------------------------------------------------------------
if (( ! ONLY_PATH_VALIDATION )); then
leaf good leaf_default
bundle good good.leaf.pem $INT.pem

ec_key good-ecdsa.key
leaf good-ecdsa leaf_default
bundle good-ecdsa good-ecdsa.leaf.pem $INT.pem

leaf leaf-only leaf_default
bundle leaf-only leaf-only.leaf.pem

leaf misordered leaf_default
bundle misordered $INT.pem misordered.leaf.pem

leaf with-root leaf_default
bundle with-root with-root.leaf.pem $INT.pem root-ca.pem

leaf extra-cert leaf_default
bundle extra-cert extra-cert.leaf.pem $INT.pem unrelated.pem

leaf untrusted-root leaf_default sha256 "$START" "$END" other-intermediate-ca
bundle untrusted-root untrusted-root.leaf.pem other-intermediate-ca.pem

rsa_key self-signed.key
issue self-signed.leaf.pem self-signed.key "$LEAF_SUBJ" leaf_self_signed -self -
bundle self-signed self-signed.leaf.pem

leaf client-auth-eku leaf_client_auth
bundle client-auth-eku client-auth-eku.leaf.pem $INT.pem

leaf no-eku leaf_no_eku
bundle no-eku no-eku.leaf.pem $INT.pem

leaf expired leaf_default sha256 20190101000000Z 20200101000000Z
bundle expired expired.leaf.pem $INT.pem

leaf not-yet-valid leaf_default sha256 20900101000000Z 21240101000000Z
bundle not-yet-valid not-yet-valid.leaf.pem $INT.pem

leaf wrong-host leaf_wrong_host
bundle wrong-host wrong-host.leaf.pem $INT.pem

rsa_key rsa1024.key 1024
leaf rsa1024 leaf_default
bundle rsa1024 rsa1024.leaf.pem $INT.pem

leaf sha1 leaf_default sha1
bundle sha1 sha1.leaf.pem $INT.pem

leaf key-usage-keyencipherment-only leaf_kenc_only
bundle key-usage-keyencipherment-only key-usage-keyencipherment-only.leaf.pem $INT.pem

# Extra cases for the hostname tests (not served by the lab).
leaf wildcard leaf_wildcard
bundle wildcard wildcard.leaf.pem $INT.pem

leaf cn-only leaf_cn_only
bundle cn-only cn-only.leaf.pem $INT.pem

leaf ca-without-basic-constraints leaf_default sha256 "$START" "$END" no-bc-intermediate-ca
bundle ca-without-basic-constraints ca-without-basic-constraints.leaf.pem no-bc-intermediate-ca.pem

# --- chain rules cases (leaf not first, expired/SHA-1 intermediates, DST shape, duplicates) ---
# Each case's <case>.key is the key of the FIRST served certificate: a TLS server signs with
# the key of what it sends first, so a reversed chain is served with the CA's key.
chain_rules_cases() {
    # Intermediate first, then the leaf: clients take the intermediate as the server's.
    leaf reversed leaf_default
    bundle reversed $INT.pem reversed.leaf.pem
    cp $INT.key reversed.key
    # Root, intermediate, leaf: the whole chain upside down.
    leaf reversed-root-first leaf_default
    bundle reversed-root-first root-ca.pem $INT.pem reversed-root-first.leaf.pem
    cp root-ca.key reversed-root-first.key
    # Leaf first, then the root before the intermediate: misordered, not leaf-not-first.
    leaf misordered-intermediates leaf_default
    bundle misordered-intermediates misordered-intermediates.leaf.pem root-ca.pem $INT.pem
    # An intermediate that expired 2020-01-01 issuing a valid leaf.
    rsa_key expired-intermediate-ca.key
    issue expired-intermediate-ca.pem expired-intermediate-ca.key \
        "/O=tlsprobe/CN=tlsprobe Expired Intermediate CA" v3_intermediate root-ca.pem root-ca.key \
        sha256 20190101000000Z 20200101000000Z
    leaf expired-intermediate leaf_default sha256 "$START" "$END" expired-intermediate-ca
    bundle expired-intermediate expired-intermediate.leaf.pem expired-intermediate-ca.pem
    # An intermediate signed with sha1WithRSAEncryption by the root; the leaf itself is SHA-256.
    rsa_key sha1-intermediate-ca.key
    issue sha1-intermediate-ca.pem sha1-intermediate-ca.key \
        "/O=tlsprobe/CN=tlsprobe SHA-1 Intermediate CA" v3_intermediate root-ca.pem root-ca.key sha1
    leaf sha1-intermediate leaf_default sha256 "$START" "$END" sha1-intermediate-ca
    bundle sha1-intermediate sha1-intermediate.leaf.pem sha1-intermediate-ca.pem
    # The DST Root CA X3 shape: an old root (expired 2021-09-30) cross-signed the test root;
    # the cross-signed copy (same subject and key, expired too) is served after the intermediate.
    rsa_key legacy-root-ca.key
    issue legacy-root-ca.pem legacy-root-ca.key "/O=tlsprobe Legacy/CN=tlsprobe Legacy Root CA" \
        v3_root -self - sha256 20000101000000Z 20210930000000Z
    issue root-ca-cross.pem root-ca.key "/O=tlsprobe/CN=tlsprobe Test Root CA" v3_cross \
        legacy-root-ca.pem legacy-root-ca.key sha256 20210120000000Z 20210930000000Z
    leaf dst-root-shape leaf_default
    bundle dst-root-shape dst-root-shape.leaf.pem $INT.pem root-ca-cross.pem
    # The intermediate served twice.
    leaf duplicate-cert leaf_default
    bundle duplicate-cert duplicate-cert.leaf.pem $INT.pem $INT.pem
}
chain_rules_cases
fi  # served cases and chain rules cases
# --- end of chain rules cases ---

# --- path-validation cases (issue 17; testcerts/README.md says what a validator concludes) ---
path_validation_cases() {
    # The test intermediate (pathlen 0) issues another CA, which issues the leaf: one CA too
    # many below the intermediate.
    rsa_key sub-intermediate-ca.key
    issue sub-intermediate-ca.pem sub-intermediate-ca.key \
        "/O=tlsprobe/CN=tlsprobe Sub Intermediate CA" v3_sub_intermediate $INT.pem $INT.key
    leaf path-length-exceeded leaf_default sha256 "$START" "$END" sub-intermediate-ca
    bundle path-length-exceeded path-length-exceeded.leaf.pem sub-intermediate-ca.pem $INT.pem
    # An intermediate constrained to tlsprobe.test, localhost and loopback: a leaf inside
    # (name-constraints-ok) and one for other.example (name-constraints-violated).
    rsa_key nc-intermediate-ca.key
    issue nc-intermediate-ca.pem nc-intermediate-ca.key \
        "/O=tlsprobe/CN=tlsprobe Name-Constrained Intermediate CA" v3_intermediate_nc root-ca.pem root-ca.key
    leaf name-constraints-ok leaf_default sha256 "$START" "$END" nc-intermediate-ca
    bundle name-constraints-ok name-constraints-ok.leaf.pem nc-intermediate-ca.pem
    leaf name-constraints-violated leaf_wrong_host sha256 "$START" "$END" nc-intermediate-ca
    bundle name-constraints-violated name-constraints-violated.leaf.pem nc-intermediate-ca.pem
    # The intermediate re-keyed under the same name: served after a leaf the old key issued,
    # its subjectKeyIdentifier differs from the leaf's authorityKeyIdentifier.
    rsa_key rekeyed-intermediate-ca.key
    issue rekeyed-intermediate-ca.pem rekeyed-intermediate-ca.key \
        "/O=tlsprobe/CN=tlsprobe Test Intermediate CA" v3_intermediate root-ca.pem root-ca.key
    leaf akid-mismatch leaf_default
    bundle akid-mismatch akid-mismatch.leaf.pem rekeyed-intermediate-ca.pem
    # An issuing certificate with basicConstraints CA:FALSE.
    rsa_key ca-false-intermediate-ca.key
    issue ca-false-intermediate-ca.pem ca-false-intermediate-ca.key \
        "/O=tlsprobe/CN=tlsprobe CA:FALSE Intermediate" v3_intermediate_ca_false root-ca.pem root-ca.key
    leaf ca-false-intermediate leaf_default sha256 "$START" "$END" ca-false-intermediate-ca
    bundle ca-false-intermediate ca-false-intermediate.leaf.pem ca-false-intermediate-ca.pem
    # Duplicate, unrelated and the anchor in one bag: leaf, intermediate, the intermediate
    # again, a stray certificate and the root.
    leaf messy-bag leaf_default
    bundle messy-bag messy-bag.leaf.pem $INT.pem $INT.pem unrelated.pem root-ca.pem
}
PATH_VALIDATION_FILES=(sub-intermediate-ca.{pem,key} path-length-exceeded.{leaf.pem,chain.pem,key}
    nc-intermediate-ca.{pem,key} name-constraints-ok.{leaf.pem,chain.pem,key}
    name-constraints-violated.{leaf.pem,chain.pem,key} rekeyed-intermediate-ca.{pem,key}
    akid-mismatch.{leaf.pem,chain.pem,key} ca-false-intermediate-ca.{pem,key}
    ca-false-intermediate.{leaf.pem,chain.pem,key} messy-bag.{leaf.pem,chain.pem,key})
path_validation_cases
if (( ONLY_PATH_VALIDATION )); then
    cp "${PATH_VALIDATION_FILES[@]}" "$OUT"/
    chmod 644 "$OUT"/*.key
    echo "testcerts: regenerated the path-validation cases in $OUT"
    exit 0
fi
# --- end of path-validation cases ---

# Fingerprints as `openssl x509 -fingerprint` prints them, lower-cased without colons: the
# tests compare the parser's thumbprints against these.
for f in good good-ecdsa; do
    for md in sha1 sha256; do
        openssl x509 -in "$f.leaf.pem" -noout -fingerprint "-$md" |
            sed 's/.*=//; s/://g' | tr 'A-F' 'a-f' > "$f.leaf.$md"
    done
done

# DH parameters for the dhe-1024 lab scenario: a fresh 1024-bit safe prime (generator 2), so
# it is in no list of common primes.
openssl dhparam -out dh1024.pem 1024 2>/dev/null

# --- install ---------------------------------------------------------------------------------
# Copy over the old files (no delete first) so a test running meanwhile never sees a gap.
cp ./*.pem ./*.key ./*.sha1 ./*.sha256 "$OUT"/
chmod 644 "$OUT"/*.key  # test keys: readable by whoever runs the tests, never used for real
echo "testcerts: regenerated $(ls "$OUT"/*.pem | wc -l) PEM files in $OUT"
