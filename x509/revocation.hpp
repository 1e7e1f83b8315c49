// What a client needs beyond the served chain: the URLs a certificate names for its issuer
// (AIA caIssuers), its OCSP responder (AIA OCSP) and its CRLs (CRL distribution points,
// RFC 5280 §4.2.2.1, §4.2.1.13); checking that a fetched certificate issued another; building
// an OCSP request and judging a responder's answer with its signature (RFC 6960); judging a
// CRL (RFC 5280 §5). Pure: DER in, facts out; the fetching is engine/'s (http_fetch.hpp).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "x509/ocsp.hpp"
#include "x509/trust_store.hpp"

namespace tlsprobe::x509 {

struct CertificateUrls {
    std::vector<std::string> ca_issuers;  // AIA id-ad-caIssuers URIs
    std::vector<std::string> ocsp;        // AIA id-ad-ocsp URIs
    std::vector<std::string> crl;         // CRL distribution point fullName URIs
};
// The URLs `cert_der` names (safe UTF-8); empty lists for an unparsable certificate.
CertificateUrls certificate_urls(const core::Bytes& cert_der);

// The certificates in what a caIssuers URL answered: DER, PKCS#7 (certs-only, the usual
// .p7c) or PEM. Empty with `error` set when there is none.
std::vector<core::Bytes> read_fetched_certificates(core::ByteView bytes, std::string* error);

// `issuer_der` issued `child_der`: the issuer name matches (and the key identifiers, when
// both carry them) and the child's signature verifies with the issuer's key. `why` (if
// non-null) says what failed.
bool issued_by(const core::Bytes& child_der, const core::Bytes& issuer_der, std::string* why);

// The DER certificate in `store` that issued `child_der` (the anchor a short served chain ends
// at); empty when none does.
core::Bytes find_issuer_in_store(const core::Bytes& child_der, const TrustStore& store);

// PEM text of a DER certificate ("-----BEGIN CERTIFICATE-----\n..."); empty on failure.
std::string to_pem(const core::Bytes& cert_der);

// A DER OCSPRequest for `leaf_der` issued by `issuer_der` (SHA-1 CertID, as responders
// expect; no nonce, so cached responses are fine). Empty when either does not parse.
core::Bytes make_ocsp_request(const core::Bytes& leaf_der, const core::Bytes& issuer_der);

// Whether an OCSP response is signed by the issuer, or by a responder certificate in the
// response that the issuer issued for OCSP signing (OCSP_basic_verify, RFC 6960 §4.2.2.2).
struct OcspSignature {
    bool checked = false;  // there was a basic response to check
    bool valid = false;
    std::string detail;    // why not
};
OcspSignature verify_ocsp_signature(const core::Bytes& response_der,
                                    const core::Bytes& issuer_der);

// An OCSP response as fetched (or stapled): its facts (parse_ocsp_response) and signature.
struct OcspCheckFacts {
    OcspFacts facts;
    OcspSignature signature;
    std::optional<int> revocation_reason;  // CRLReason when revoked with a reason
};
OcspCheckFacts judge_ocsp_response(const core::Bytes& response_der, const core::Bytes& leaf_der,
                                   const core::Bytes& issuer_der);

// A CRL and what it says about a certificate.
struct CrlFacts {
    bool parsed = false;  // DER or PEM X.509 CRL
    std::string error;    // when not parsed
    std::string issuer;   // RFC 2253
    bool issuer_matches = false;   // the CRL's issuer is the certificate's issuer
    bool signature_valid = false;  // verified with the issuer's key
    std::optional<std::chrono::system_clock::time_point> this_update, next_update;
    std::size_t entries = 0;
    bool revoked = false;  // the certificate's serial is listed
    std::optional<std::chrono::system_clock::time_point> revoked_at;
    std::optional<int> reason;  // CRLReason code when given
};
CrlFacts judge_crl(core::ByteView crl, const core::Bytes& leaf_der, const core::Bytes& issuer_der);

// RFC 5280 CRLReason names: "keyCompromise", "superseded", ...; "reason <n>" otherwise.
std::string crl_reason_name(int reason);

}  // namespace tlsprobe::x509
