// The result of probing one target: every attempt with its evidence, and what follows
// from them. Renderers read this and nothing else.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/observation.hpp"
#include "engine/http_check.hpp"
#include "probe/attempt_kinds.hpp"
#include "probe/check.hpp"
#include "probe/diagnosis.hpp"
#include "probe/finding.hpp"
#include "probe/platform.hpp"
#include "probe/key_exchange.hpp"
#include "probe/target.hpp"
#include "wire/cipher_suites.hpp"
#include "x509/chain_analysis.hpp"

namespace tlsprobe::probe {

// One connection attempt the plan asks for.
struct ProbeSpec {
    AttemptKind kind = AttemptKind::pinned;  // its row in attempt_kinds()
    std::string id;  // stable: "tls1_2", "offer_all", "no_sni", "raw_ssl3", ...
    std::optional<core::Version> version;  // pinned version; nullopt = offer everything
    std::optional<std::string> sni;
    Engine engine = Engine::openssl;
    ProbeRole role = ProbeRole::version;
    std::string cipher_list;   // OpenSSL syntax, TLS <= 1.2; empty = every suite
    std::string ciphersuites;  // OpenSSL syntax, TLS 1.3; empty = every suite
};

// One cipher suite the server accepted (cipher enumeration, raw engine).
struct CipherEntry {
    std::uint32_t code = 0;  // IANA code point (SSL 2.0: the 3-byte cipher kind)
    std::string name;        // IANA name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    wire::Strength strength = wire::Strength::strong;  // from the cipher-suite registry
    bool forward_secrecy = false;
    std::string group;           // key-exchange group the server chose with it, when seen
    std::optional<int> dh_bits;  // finite-field DH parameter size, when seen
    DhParams dh;                 // the ServerDHParams seen with it (DHE suites), else empty
};

struct ProbeRecord {
    ProbeSpec spec;
    core::Observation observation;
};

// How the OpenSSL handshake and the raw hello disagreed about one version.
enum class Disagreement {
    none,              // they agree, or only one engine could ask
    answers_differ,    // one engine's hello was accepted, the other's refused
    handshake_broken,  // the raw hello got a ServerHello; the OpenSSL handshake then failed
};
std::string_view to_string(Disagreement d);

// What the report says about one protocol version.
struct VersionResult {
    core::Version version = core::Version::tls1_2;
    std::optional<bool> supported;  // nullopt = could not tell (unreachable, local library)
    core::Status status = core::Status::local_unsupported;
    core::Phase phase = core::Phase::connect;
    std::string source;  // "openssl", "raw", "both", "none"
    std::optional<std::uint8_t> alert;
    std::string cipher;  // the suite chosen when negotiated
    std::string detail;
    // The two engines (OpenSSL and raw hellos) answered differently for this version: how
    // (rules match on the kind), and a sentence with the facts for people.
    Disagreement disagreement = Disagreement::none;
    std::string disagreement_detail;  // empty when disagreement is none

    // Cipher enumeration (empty when not run): the accepted suites, in the server's
    // preference order when server_preference is true, else in the order found.
    std::vector<CipherEntry> ciphers;
    bool ciphers_enumerated = false;
    std::optional<bool>
        server_preference;  // nullopt: not determined (fewer than 2 suites, not run)
    // Key-exchange groups the server accepts: in its order when group_server_preference is
    // true, else in the order tlsprobe offered them.
    std::vector<std::string> groups;
    std::optional<bool> group_server_preference;  // nullopt: fewer than 2 groups, not determined
    std::vector<std::string>
        enumeration_errors;  // failed enumeration connections: the list may be incomplete
};

// What the server does about client certificates, over the OpenSSL-engine attempts.
enum class ClientCertificate {
    not_requested,  // no CertificateRequest
    optional,       // requested; the server went on although we sent none
    required,       // requested; the server refused the connection after our Certificate
                    // message (empty, or the --client-cert one it did not accept)
    accepted,       // requested; we presented --client-cert and the server went on
};
std::string_view to_string(ClientCertificate c);

// The facts every judgement reads, decided once by conclude() (and nowhere else).
struct Facts {
    // The server answered at least one attempt: not every attempt ended in a DNS failure, a
    // refusal, no route or a connect timeout.
    bool reached = false;
    // "TLS works": a handshake completed for the requested name (completes_handshake()).
    bool works = false;
    // A handshake completed only for a variant (no SNI, another name, a narrower offer):
    // the server speaks TLS, just not for what was asked.
    bool works_for_variant_only = false;
    // TLS 1.2 or 1.3 is supported.
    bool modern_version = false;
    // Whether the server asks for a client certificate, and whether it refuses clients
    // without one (a refusal on any attempt makes it `required`).
    ClientCertificate client_certificate = ClientCertificate::not_requested;
    bool client_certificate_required() const {
        return client_certificate == ClientCertificate::required;
    }
    // The no-SNI attempt negotiated and was served another first certificate than the analysed
    // chain's: whether that certificate covers the requested name (x509::match_hostname).
    // nullopt when the no-SNI attempt failed, was not made, or got the same certificate.
    std::optional<x509::HostnameMatch> no_sni_other_certificate;
};

// The analysed chain verified against one trust store (conclude()): the platform stores the
// testssl.sh package ships (x509/platform_stores.hpp) and the probe's own store.
struct StoreVerdict {
    std::string store;        // "Mozilla", "Microsoft", "Apple", "Java", "Linux", "system", "ca-file"
    std::string description;  // the file it was loaded from, or the store's description
    bool trusted = false;
    std::string error;  // OpenSSL's verify error when not trusted ("unable to get local issuer
                        // certificate")
    std::string problem;  // the chain problem id that explains it ("chain.untrusted_root"), or ""
};

// The verdict on one target, decided once by judge::assess() from the facts and the
// findings; exit codes, the scan summary, every renderer and the gate read it.
enum class TargetVerdict {
    ok,           // works, nothing above low
    warn,         // works, a medium finding
    fail,         // works only in part (another name) or a high/critical finding
    no_tls,       // reached, but no handshake completed at all
    unreachable,  // never reached
};
std::string_view to_string(TargetVerdict v);

// A handshake completed for the requested name: an OpenSSL-engine attempt of the version or
// offer_all role (a raw ServerHello is not a completed handshake; the variants ask with
// another name or fewer suites) that the server did not refuse afterwards for want of a client
// certificate (TLS 1.3 completes before that refusal). The one definition of "TLS works".
bool completes_handshake(const ProbeRecord& p);

struct TargetResult {
    Target target;
    std::vector<std::string> resolved;  // every address the name resolved to
    std::string address;                // the one probed
    std::chrono::system_clock::time_point started;
    std::chrono::microseconds duration{0};

    std::vector<ProbeRecord> probes;          // in plan order
    std::array<VersionResult, 6> versions{};  // indexed by core::Version

    std::optional<x509::ChainReport> chain;  // the chain of the best handshake, analysed
    std::string chain_source;                // id of the probe whose chain was analysed
    std::vector<std::string> chain_differs;  // probe ids that were served another chain
    // What `chain` and `trust` were computed from (a hash of the source attempt, its served
    // certificates, the name and the stores): conclude() runs after each stage and analyses an
    // unchanged chain once. Internal, not reported.
    std::uint64_t chain_input_key = 0;

    // Every distinct finite-field DH group (p, g) the enumeration saw, analysed (conclude(),
    // key_exchange.hpp), in the order first seen; at most kMaxDhGroups.
    std::vector<DhGroupFacts> dh_groups;
    std::size_t dh_groups_seen = 0;  // distinct groups seen, including those past the cap

    std::optional<engine::HttpCheck> http;  // plain-HTTP check, when made
    std::vector<CheckResultPtr> checks;  // the check kinds that ran (check.hpp), in registry order

    Facts facts;  // conclude()
    // conclude(): the analysed chain per trust store, the probe's own store last (empty when
    // no chain was analysed). Clients and policies read these, nothing verifies again.
    std::vector<StoreVerdict> trust;

    // judge::assess():
    TargetVerdict verdict = TargetVerdict::no_tls;
    std::string summary;               // the verdict paragraph every report opens with
    std::vector<Finding> findings;     // most severe first
    Platform platform;                 // the server software and TLS stack, as far as seen
    std::vector<Diagnosis> diagnosis;  // most likely first; empty when the site works
    // True once the diagnosis rules ran: only then does an empty `diagnosis` mean "works"
    // (policy rule diagnosis.empty is not_applicable otherwise).
    bool diagnosed = false;

    const VersionResult& version(core::Version v) const {
        return versions[static_cast<std::size_t>(v)];
    }
    const ProbeRecord* probe(std::string_view id) const;
    // The first attempt of `kind` (the only one, for kinds made once); nullptr when not made.
    const ProbeRecord* probe(AttemptKind kind) const;
    // The most severe finding's severity, nullopt when there is none.
    std::optional<Severity> worst_severity() const;
};

}  // namespace tlsprobe::probe
