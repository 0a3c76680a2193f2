#!/bin/bash
# Reference solution: inspect every CSR, apply the issuance policy, sign or reject.
set -euo pipefail
CADIR=@CADIR@
REQ=@REQDIR@
OUT=@OUT@
mkdir -p "$OUT"
ls -l "$CADIR" "$REQ"
openssl x509 -in "$CADIR/ca.crt" -noout -subject -dates
openssl pkey -in "$CADIR/ca.key" -passin "file:$CADIR/passphrase.txt" -noout
: > "$OUT/rejected.txt"
for csr in "$REQ"/*.csr; do
    name=$(basename "$csr")
    base=${name%.csr}
    openssl req -in "$csr" -noout -verify
    text=$(openssl req -in "$csr" -noout -text)
    bits=$(echo "$text" | grep -oE 'Public-Key: \([0-9]+ bit\)' | grep -oE '[0-9]+')
    sans=$(echo "$text" | grep -A1 'Subject Alternative Name' | tail -n 1 | tr -d ' ')
    cn=$(openssl req -in "$csr" -noout -subject -nameopt multiline | awk -F' = ' '/commonName/ {print $2}')
    reason=""
    if [ "$bits" -lt 2048 ]; then
        reason=weak-key
    else
        for n in $cn $(echo "$sans" | tr ',' '\n' | sed -n 's/^DNS://p'); do
            case "$n" in
                @DOMAIN@ | *.@DOMAIN@) ;;
                *) reason=name-not-allowed ;;
            esac
        done
        if [ -z "$reason" ] && echo "$text" | grep -q 'CA:TRUE'; then reason=ca-requested; fi
    fi
    if [ -n "$reason" ]; then
        echo "$name $reason" >> "$OUT/rejected.txt"
        continue
    fi
    {
        echo '[v3]'
        echo 'basicConstraints = CA:FALSE'
        echo 'keyUsage = critical, digitalSignature, keyEncipherment'
        echo 'extendedKeyUsage = serverAuth'
        echo "subjectAltName = $sans"
        echo 'subjectKeyIdentifier = hash'
        echo 'authorityKeyIdentifier = keyid'
    } > "/tmp/$base.ext"
    openssl x509 -req -in "$csr" -CA "$CADIR/ca.crt" -CAkey "$CADIR/ca.key" \
        -passin "file:$CADIR/passphrase.txt" -CAcreateserial -CAserial /tmp/ca.srl \
        -days @DAYS@ -@DIGEST@ -extfile "/tmp/$base.ext" -extensions v3 -out "$OUT/$base.crt"
    cat "$OUT/$base.crt" "$CADIR/ca.crt" > "$OUT/$base-chain.pem"
    openssl verify -CAfile "$CADIR/ca.crt" "$OUT/$base.crt"
done
LC_ALL=C sort -o "$OUT/rejected.txt" "$OUT/rejected.txt"
cat "$OUT/rejected.txt"
ls -l "$OUT"
