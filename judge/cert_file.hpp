// `tlsprobe cert`: the judgement of certificate files before they are installed (issue 17).
//
// Pure: the files as read by x509::read_cert_file, the names to serve, a time and a trust
// store in; findings (the live probe's ids where the same fault is meant: chain.*, cert.*),
// the verdict and the install steps per server platform out. Renderers read the result and
// decide nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "probe/diagnosis.hpp"
#include "probe/finding.hpp"
#include "x509/cert_file.hpp"
#include "x509/chain_analysis.hpp"
#include "x509/trust_store.hpp"

namespace tlsprobe::judge {

struct CertFileInput {
    std::vector<x509::CertFile> files;  // in command-line order; their certificates form one bag
    std::optional<x509::PrivateKeyLoad> key_file;  // --key
    struct Host {
        std::string typed;  // as given to --host ("bücher.example")
        std::string ascii;  // its A-label form, what certificates carry
    };
    std::vector<Host> hosts;
    std::chrono::system_clock::time_point at;  // --at, else now
    bool at_given = false;
    int expires_soon_days = 30;
};

// What the private key tells.
enum class KeyState {
    absent,      // no key in the files and no --key
    unreadable,  // encrypted, and the password given does not open it
    matches,     // the key belongs to the leaf
    mismatch,    // the key belongs to no certificate given, or to another one than the leaf
};
std::string_view to_string(KeyState s);

struct KeyCheck {
    KeyState state = KeyState::absent;
    std::string source;  // the file the key came from; empty when absent
    std::string type;    // "RSA", "EC", ...; empty when absent or unreadable
    int bits = 0;
    std::optional<std::size_t> matches_certificate;  // index into chain.certificates
    std::string detail;                              // one sentence for people
};

struct HostCheck {
    std::string typed, ascii;
    x509::HostnameMatch match = x509::HostnameMatch::not_checked;
};

struct FileSummary {
    std::string name;
    x509::CertFileFormat format = x509::CertFileFormat::pem;
    std::size_t certificates = 0;
    bool has_key = false;
};

enum class CertVerdict { ok, warn, fail };  // fail: a high or critical finding (exit 1)
std::string_view to_string(CertVerdict v);

struct CertFileResult {
    std::vector<FileSummary> files;
    x509::ChainReport chain;  // the certificates of every file, in order, analysed as served
    std::string trust;        // the trust store's description
    KeyCheck key;
    std::vector<HostCheck> hosts;
    std::chrono::system_clock::time_point at;
    bool at_given = false;
    bool pkcs12_input = false;  // some file was PKCS#12 (its key is expected inside)
    std::vector<probe::Finding> findings;  // most severe first
    CertVerdict verdict = CertVerdict::ok;
    // The leaf's SHA-1 thumbprint (40 lower-case hex digits): certutil and netsh take it.
    std::string thumbprint;
    // How to install what was given: "iis", "nginx", "apache", "haproxy" (PlatformAdvice
    // with `fix` holding the commands and `confirm` how to check the result).
    std::vector<probe::PlatformAdvice> install;
};

CertFileResult assess_cert_files(const CertFileInput& input, const x509::TrustStore& store);

}  // namespace tlsprobe::judge
