// Certificates and CRLs for the AIA and revocation tests, made at test time with the OpenSSL
// API because their URLs name the loopback port of a lab/http_file_server.hpp server, which
// is only known when it runs. Issued by a test CA from testcerts/ (intermediate-ca.pem under
// root-ca.pem by default).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tlsprobe::lab {

struct UrlLeafSpec {
    std::string name = "tlsprobe.test";  // CN and DNS SAN
    long serial = 0x1500;
    std::string ca_issuers_url;  // AIA caIssuers; empty = none
    std::string ocsp_url;        // AIA OCSP; empty = none
    std::string crl_url;         // CRL distribution point; empty = none
    std::string issuer_pem_file;  // empty = testcerts/intermediate-ca.pem
    std::string issuer_key_file;  // empty = testcerts/intermediate-ca.key
    // A Certificate Transparency SCT list (RFC 6962 §3.3, TLS encoding: lab/sct_list.hpp)
    // embedded in extension 1.3.6.1.4.1.11129.2.4.2; empty = none.
    std::vector<std::uint8_t> sct_list;
};

struct UrlLeaf {
    std::vector<std::uint8_t> der;          // the leaf
    std::filesystem::path leaf_pem_file;    // the leaf alone (a server missing its intermediate)
    std::filesystem::path chain_pem_file;   // the leaf, then its issuer
    std::filesystem::path key_file;         // the leaf's key (P-256)
    std::filesystem::path issuer_pem_file;  // the issuer used
};

// Writes <dir>/<stem>.leaf.pem, .chain.pem and .key. Throws std::runtime_error naming the
// file or the OpenSSL reason.
UrlLeaf make_url_leaf(const UrlLeafSpec& spec, const std::filesystem::path& dir,
                      const std::string& stem);

// A DER CRL signed by the issuer listing `revoked_serials` (reason keyCompromise, revoked a
// day ago), thisUpdate an hour ago, nextUpdate `next_update` from now.
std::vector<std::uint8_t> make_crl(const std::vector<long>& revoked_serials,
                                   std::string issuer_pem_file = {},
                                   std::string issuer_key_file = {},
                                   std::chrono::seconds next_update = std::chrono::hours(24 * 7));

// The DER of a PEM certificate file (the issuer to serve at the caIssuers URL).
std::vector<std::uint8_t> pem_file_to_der(const std::filesystem::path& pem_file);

}  // namespace tlsprobe::lab
