// The hostile-server suite (issue 11): every lab::HostileServer mode probed with both engines.
// Each attempt must (a) end within timeout + margin, (b) end with a truthful status from the
// mode's expected set, (c) not crash (CI runs this under ASan+UBSan), (d) keep memory bounded
// where the server sends without end. Plus the certificate shapes no lab file holds: a leaf
// with 10,000 names, a 200-deep chain and names full of control characters, generated here.
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <set>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#include "async_run.hpp"
#include "engine/engines.hpp"
#include "judge/verdict.hpp"
#include "lab/hostile_server.hpp"
#include "lab/paths.hpp"
#include "lab/tls_server.hpp"
#include "probe/probe_target.hpp"
#include "probe/target.hpp"
#include "report/json_report.hpp"
#include "x509/trust_store.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
using core::Phase;
using core::Status;
using core::Version;
using lab::HostileMode;
namespace asio = boost::asio;

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTimeout = 1000ms;
constexpr auto kMargin = 3;  // an attempt ends within kMargin x its timeout

asio::ip::tcp::endpoint loopback(unsigned short port) {
    return {asio::ip::make_address("127.0.0.1"), port};
}

core::Bytes fixture(const std::string& name) {
    std::ifstream in(std::filesystem::path(TLSPROBE_TESTS_DIR) / "data" / "flights" / name,
                     std::ios::binary);
    REQUIRE(in);
    return core::Bytes(std::istreambuf_iterator<char>(in), {});
}

struct Outcome {
    core::Observation obs;
    Clock::duration took{};
};

Outcome via_openssl(unsigned short port, std::optional<Version> pin,
                    std::chrono::milliseconds timeout = kTimeout) {
    auto engines = engine::network_engines();
    engine::HandshakeSpec spec;
    spec.pin = pin;
    spec.sni = "tlsprobe.test";
    spec.timeout = timeout;
    const auto start = Clock::now();
    auto obs = testing::run_awaitable(engines->handshake(loopback(port), spec));
    return {std::move(obs), Clock::now() - start};
}

Outcome via_raw(unsigned short port, Version v, std::chrono::milliseconds timeout = kTimeout) {
    auto engines = engine::network_engines();
    engine::RawProbeOptions o;
    o.sni = "tlsprobe.test";
    o.timeout = timeout;
    const auto start = Clock::now();
    auto r = testing::run_awaitable(engines->raw_version(loopback(port), v, o));
    return {std::move(r.observation), Clock::now() - start};
}

std::string describe(const Outcome& o) {
    return fmt::format(
        "{} / {} after {} ms: {}", core::to_string(o.obs.status), core::to_string(o.obs.phase),
        std::chrono::duration_cast<std::chrono::milliseconds>(o.took).count(), o.obs.detail);
}

long max_rss_kib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

using Statuses = std::set<Status>;

struct Row {
    HostileMode mode;
    std::optional<Version> pin;  // OpenSSL engine; nullopt = every version
    Version raw;                 // raw engine version probe
    Statuses openssl;
    Statuses raw_statuses;
    bool endless = false;  // sends without end: counted in the memory bound
};

// The table: mode -> what each engine may truthfully say. The server broke the protocol, so
// `negotiated` is allowed only where a raw probe legitimately stops at a (retry) hello.
const std::vector<Row>& rows() {
    const Statuses broken{Status::protocol_error};
    static const std::vector<Row> kRows{
        {HostileMode::endless_random,
         {},
         Version::tls1_2,
         {Status::not_tls, Status::protocol_error},
         {Status::not_tls, Status::protocol_error},
         true},
        // The raw decoder ignores a HelloRequest (RFC 5246 §7.4.1.1), up to kMaxIgnoredUnits.
        {HostileMode::endless_hello_requests,
         Version::tls1_2,
         Version::tls1_2,
         {Status::local_limit, Status::timeout, Status::protocol_error},
         broken,
         true},
        // The raw decoder skips warning alerts, as OpenSSL does, up to 5 in a row.
        {HostileMode::endless_warning_alerts,
         Version::tls1_2,
         Version::tls1_2,
         {Status::protocol_error, Status::rejected_alert, Status::local_limit},
         broken,
         true},
        {HostileMode::endless_heartbeat,
         {},
         Version::tls1_2,
         {Status::protocol_error, Status::not_tls},
         broken,
         true},
        {HostileMode::endless_empty_records,
         Version::tls1_2,
         Version::tls1_2,
         {Status::protocol_error, Status::local_limit},
         {Status::protocol_error, Status::local_limit},
         true},
        {HostileMode::endless_change_cipher_spec,
         {},
         Version::tls1_2,
         {Status::protocol_error, Status::local_limit},
         {Status::protocol_error, Status::local_limit},
         true},
        // Legal framing, endless message: the raw decoder's record limit (kMaxRecords) ends it.
        {HostileMode::endless_handshake_fragments,
         Version::tls1_2,
         Version::tls1_2,
         {Status::local_limit, Status::timeout, Status::protocol_error},
         broken,
         true},
        {HostileMode::oversize_handshake_length,
         {},
         Version::tls1_2,
         {Status::local_limit, Status::protocol_error},
         {Status::local_limit, Status::protocol_error},
         true},
        {HostileMode::oversize_record, {}, Version::tls1_2, broken, broken},
        {HostileMode::sh_truncated_length, {}, Version::tls1_2, broken, broken},
        {HostileMode::sh_overlong_length,
         {},
         Version::tls1_2,
         {Status::protocol_error, Status::closed},
         {Status::protocol_error, Status::closed}},
        {HostileMode::sh_unknown_version, {}, Version::tls1_2, broken, broken},
        {HostileMode::sh_tls13_legacy_ssl3,
         Version::tls1_3,
         Version::tls1_3,
         {Status::protocol_error, Status::closed},
         broken},
        {HostileMode::sh_session_id_33, {}, Version::tls1_2, broken, broken},
        {HostileMode::sh_duplicate_extension, {}, Version::tls1_2, broken, broken},
        {HostileMode::sh_extension_past_end, {}, Version::tls1_2, broken, broken},
        {HostileMode::sh_then_hold,
         Version::tls1_2,
         Version::tls1_2,
         {Status::timeout, Status::protocol_error},
         {Status::timeout, Status::negotiated}},
        {HostileMode::sh_unoffered_extension,
         {},
         Version::tls1_2,
         {Status::protocol_error, Status::rejected_alert, Status::closed},
         broken},
        {HostileMode::sh_unoffered_suite,
         {},
         Version::tls1_2,
         {Status::protocol_error, Status::rejected_alert, Status::closed},
         broken},
        {HostileMode::sh_unoffered_compression,
         {},
         Version::tls1_2,
         {Status::protocol_error, Status::rejected_alert, Status::closed},
         broken},
        // The retry asks for P-256, for which the raw TLS 1.3 hello already sent a key share.
        {HostileMode::hrr_loop, Version::tls1_3, Version::tls1_3, broken, broken},
        {HostileMode::hrr_unoffered_group, Version::tls1_3, Version::tls1_3, broken, broken},
        {HostileMode::alert_unknown_255,
         {},
         Version::tls1_2,
         {Status::rejected_alert},
         {Status::rejected_alert}},
        {HostileMode::alert_fatal_as_warning,
         {},
         Version::tls1_2,
         {Status::rejected_alert, Status::closed, Status::protocol_error},
         {Status::rejected_alert, Status::closed, Status::protocol_error}},
        {HostileMode::ssl2_absurd_lengths,
         {},
         Version::ssl2,
         {Status::not_tls, Status::protocol_error},
         {Status::protocol_error, Status::not_tls}},
        {HostileMode::content_type_0,
         {},
         Version::tls1_2,
         {Status::not_tls, Status::protocol_error},
         {Status::not_tls, Status::protocol_error}},
        {HostileMode::content_type_99,
         {},
         Version::tls1_2,
         {Status::not_tls, Status::protocol_error},
         {Status::not_tls, Status::protocol_error}},
        {HostileMode::never_read, {}, Version::tls1_2, {Status::timeout}, {Status::timeout}},
        {HostileMode::immediate_rst,
         {},
         Version::tls1_2,
         {Status::reset, Status::closed},
         {Status::reset, Status::closed}},
    };
    return kRows;
}

std::string names(const Statuses& s) {
    std::string out;
    for (auto x : s) out += std::string(core::to_string(x)) + " ";
    return out;
}

// (a) and (b) for one attempt.
void check_attempt(std::string_view engine, const Outcome& o, const Statuses& allowed,
                   std::chrono::milliseconds timeout = kTimeout) {
    INFO(engine << ": " << describe(o) << "; allowed: " << names(allowed));
    CHECK(o.took < kMargin * timeout);
    CHECK(allowed.count(o.obs.status) == 1);
    if (o.obs.status != Status::negotiated) CHECK_FALSE(o.obs.detail.empty());
    // Whatever the server said, it said it after the ClientHello: a failure that came from its
    // bytes ends in the handshake phase, never in connect or hello.
    if (o.obs.status == Status::protocol_error || o.obs.status == Status::not_tls ||
        o.obs.status == Status::rejected_alert || o.obs.status == Status::local_limit)
        CHECK(o.obs.phase == Phase::handshake);
    // A timeout after the server spoke says how much arrived.
    if (o.obs.status == Status::timeout && o.obs.phase == Phase::handshake)
        CHECK(o.obs.detail.find("bytes arrived") != std::string::npos);
}

}  // namespace

TEST_CASE("hostile: at least 30 named modes, each with a distinct name", "[hostile]") {
    std::set<std::string_view> seen;
    for (auto m : lab::all_hostile_modes()) seen.insert(lab::to_string(m));
    CHECK(seen.size() == lab::all_hostile_modes().size());
    CHECK(seen.size() >= 30);
    CHECK(seen.count("unknown") == 0);
}

TEST_CASE("hostile: every scripted mode, both engines, ends in time with a truthful status",
          "[hostile]") {
    const long rss_before = max_rss_kib();
    std::string table;
    for (const auto& row : rows()) {
        lab::HostileServer server(row.mode);
        INFO("mode " << lab::to_string(row.mode));
        const auto o = via_openssl(server.port(), row.pin);
        check_attempt("openssl", o, row.openssl);
        const auto r = via_raw(server.port(), row.raw);
        check_attempt("raw", r, row.raw_statuses);
        table += fmt::format("{:28} | {:40} | {}\n", lab::to_string(row.mode),
                             describe(o).substr(0, 40), describe(r).substr(0, 60));
        // A phase where it means something: nothing came back from a server that never reads.
        if (row.mode == HostileMode::never_read) {
            CHECK(o.obs.phase == Phase::hello);
            CHECK(r.obs.phase == Phase::hello);
        }
        // An RST at accept may beat the connect's own completion: phase connect, still a reset.
        if (row.mode == HostileMode::immediate_rst) {
            CHECK((o.obs.phase == Phase::connect || o.obs.phase == Phase::hello));
            CHECK((r.obs.phase == Phase::connect || r.obs.phase == Phase::hello));
        }
        if (row.mode == HostileMode::alert_unknown_255) {
            CHECK(o.obs.alert == std::optional<std::uint8_t>(255));
            CHECK(r.obs.alert == std::optional<std::uint8_t>(255));
        }
    }
    WARN(table);
    // (d) the endless modes are bounded by the engines' byte limit, not by the server.
#if defined(__SANITIZE_ADDRESS__)
    // Under ASan the process's peak RSS counts shadow memory and the free quarantine (CI saw
    // 279 MB): meaningless here. The normal build checks it.
    (void)rss_before;
#else
    CHECK(max_rss_kib() - rss_before < 64 * 1024);
#endif
}

// What a strict client says (RFC 8446 / RFC 5246 "the client MUST abort"): the raw engine's
// detail names the rule each mode breaks and where the RFC states it.
TEST_CASE("hostile: the raw engine names the rule and the RFC section a broken ServerHello breaks",
          "[hostile]") {
    struct Expect {
        HostileMode mode;
        Version raw;
        std::vector<std::string> words;  // each must appear in the detail
    };
    const std::vector<Expect> expected{
        {HostileMode::sh_duplicate_extension, Version::tls1_2, {"twice", "RFC 8446 §4.2"}},
        {HostileMode::sh_tls13_legacy_ssl3, Version::tls1_3, {"0x0300", "RFC 8446 §4.1.3"}},
        {HostileMode::sh_session_id_33, Version::tls1_2, {"33 bytes", "RFC 5246 §7.4.1.3"}},
        {HostileMode::sh_unoffered_extension,
         Version::tls1_2,
         {"heartbeat", "did not offer", "unsupported_extension"}},
        {HostileMode::sh_unoffered_suite, Version::tls1_2, {"not offered", "RFC 5246 §7.4.1.3"}},
        {HostileMode::sh_unoffered_compression,
         Version::tls1_2,
         {"compression method 1", "RFC 5246 §7.4.1.3"}},
        {HostileMode::hrr_unoffered_group,
         Version::tls1_3,
         {"supported_groups did not offer", "RFC 8446 §4.1.4"}},
        {HostileMode::hrr_loop, Version::tls1_3, {"already sent a key share", "RFC 8446 §4.1.4"}},
        {HostileMode::endless_warning_alerts, Version::tls1_2, {"more than 5 warning alerts"}},
        {HostileMode::endless_hello_requests, Version::tls1_2, {"HelloRequest"}},
        {HostileMode::endless_heartbeat, Version::tls1_2, {"heartbeat"}},
        {HostileMode::endless_handshake_fragments, Version::tls1_2, {"more than 65536 records"}},
    };
    for (const auto& e : expected) {
        lab::HostileServer server(e.mode);
        const auto r = via_raw(server.port(), e.raw);
        INFO("mode " << lab::to_string(e.mode) << ": " << describe(r));
        CHECK(r.obs.status == Status::protocol_error);
        CHECK(r.obs.phase == Phase::handshake);
        for (const auto& w : e.words) CHECK(r.obs.detail.find(w) != std::string::npos);
    }
}

TEST_CASE(
    "hostile: a server that trickles one byte per second ends in a timeout that says bytes came",
    "[hostile]") {
    lab::HostileServer server(HostileMode::trickle_per_second);
    const auto o = via_openssl(server.port(), Version::tls1_2);
    check_attempt("openssl", o, {Status::timeout});
    CHECK(o.obs.phase == Phase::handshake);
    CHECK(o.obs.detail.find("byte") != std::string::npos);
    const auto r = via_raw(server.port(), Version::tls1_2);
    check_attempt("raw", r, {Status::timeout});
    CHECK(r.obs.phase == Phase::handshake);
    CHECK(r.obs.detail.find("byte") != std::string::npos);
}

TEST_CASE("hostile: a real TLS 1.2 flight relayed in 4- and 7-byte segments negotiates",
          "[hostile]") {
    lab::TlsServer upstream(lab::config_for_case("good", TLS1_2_VERSION, TLS1_2_VERSION));
    for (auto mode : {HostileMode::relay_fragment_4, HostileMode::relay_fragment_7}) {
        lab::HostileOptions options;
        options.upstream_port = upstream.port();
        lab::HostileServer server(mode, options);
        INFO("mode " << lab::to_string(mode));
        check_attempt("openssl", via_openssl(server.port(), Version::tls1_2, 5s),
                      {Status::negotiated}, 5s);
        check_attempt("raw", via_raw(server.port(), Version::tls1_2, 5s), {Status::negotiated}, 5s);
    }
}

TEST_CASE("hostile: a real TLS 1.2 flight dripped 1 byte per 2 ms negotiates (slow is not broken)",
          "[hostile]") {
    lab::TlsServer upstream(lab::config_for_case("good", TLS1_2_VERSION, TLS1_2_VERSION));
    lab::HostileOptions options;
    options.upstream_port = upstream.port();
    lab::HostileServer server(HostileMode::relay_drip, options);
    check_attempt("openssl", via_openssl(server.port(), Version::tls1_2, 20s), {Status::negotiated},
                  20s);
    check_attempt("raw", via_raw(server.port(), Version::tls1_2, 20s), {Status::negotiated}, 20s);
}

TEST_CASE("hostile: a canned ServerHello flight in every segment size 1..16 (raw engine)",
          "[hostile]") {
    const auto flight = fixture("tls12_ecdhe_rsa.bin");
    for (std::size_t segment = 1; segment <= 16; ++segment) {
        lab::HostileOptions options;
        options.flight = flight;
        options.segment = segment;
        lab::HostileServer server(HostileMode::canned_fragmented, options);
        INFO("segment " << segment);
        const auto r = via_raw(server.port(), Version::tls1_2);
        check_attempt("raw", r, {Status::negotiated});
        CHECK(r.obs.cipher_id != 0);
        if (segment == 1 || segment == 16) {
            // OpenSSL gets the same bytes; the canned keys do not match its hello, so it must
            // fail (never negotiate), and in time.
            check_attempt("openssl", via_openssl(server.port(), Version::tls1_2),
                          {Status::protocol_error, Status::rejected_alert, Status::closed});
        }
    }
}

TEST_CASE("hostile: a recorded flight cut after every k-th byte, with FIN and with RST",
          "[hostile]") {
    const auto flight = fixture("tls12_ecdhe_rsa.bin");
    constexpr std::size_t kStep = 61;
    for (auto mode : {HostileMode::canned_cut_fin, HostileMode::canned_cut_rst}) {
        std::vector<std::size_t> cuts;
        for (std::size_t n = 0; n < flight.size(); n += kStep) cuts.push_back(n);
        cuts.push_back(flight.size());
        for (const std::size_t n : cuts) {
            lab::HostileOptions options;
            options.flight = flight;
            options.cut_at = n;
            lab::HostileServer server(mode, options);
            INFO("mode " << lab::to_string(mode) << ", cut after " << n << " of " << flight.size());
            const bool whole = n == flight.size();
            const Statuses ended = mode == HostileMode::canned_cut_fin
                                       ? Statuses{Status::closed}
                                       : Statuses{Status::reset, Status::closed};
            Statuses raw_allowed = ended;
            if (whole) raw_allowed.insert(Status::negotiated);
            if (n > 0)
                raw_allowed.insert(
                    Status::protocol_error);  // a cut inside a record header may look malformed
            check_attempt("raw", via_raw(server.port(), Version::tls1_2), raw_allowed);
            Statuses openssl_allowed = ended;
            openssl_allowed.insert(Status::protocol_error);
            openssl_allowed.insert(Status::rejected_alert);
            check_attempt("openssl", via_openssl(server.port(), Version::tls1_2), openssl_allowed);
        }
    }
}

// ---- Generated certificates ---------------------------------------------------------------
// Shapes no file in testcerts/ holds, made at test time with OpenSSL's C API into a temporary
// directory: P-256 keys (fast to generate), served by a lab::TlsServer.
namespace {

struct Freer {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
    void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, Freer>;
using Cert = std::unique_ptr<X509, Freer>;

Key new_key() {
    Key k(EVP_EC_gen("P-256"));
    REQUIRE(k);
    return k;
}

struct CertSpec {
    std::string common_name;             // bytes as given, as a UTF8String
    std::vector<std::string> dns_names;  // bytes as given, as IA5Strings
    bool ca = false;
    long serial = 1;
    std::string organization;  // bytes as given, as a T61String (any bytes); empty = none
};

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    REQUIRE(ext);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

// Issued by (issuer, issuer_key); a null issuer makes it self-signed.
Cert make_cert(const CertSpec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
    Cert c(X509_new());
    REQUIRE(c);
    X509* x = c.get();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), spec.serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -24 * 3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600);
    X509_NAME* name = X509_get_subject_name(x);
    REQUIRE(
        X509_NAME_add_entry_by_NID(name, NID_commonName, V_ASN1_UTF8STRING,
                                   reinterpret_cast<const unsigned char*>(spec.common_name.data()),
                                   static_cast<int>(spec.common_name.size()), -1, 0) == 1);
    if (!spec.organization.empty())
        REQUIRE(X509_NAME_add_entry_by_NID(
                    name, NID_organizationName, V_ASN1_T61STRING,
                    reinterpret_cast<const unsigned char*>(spec.organization.data()),
                    static_cast<int>(spec.organization.size()), -1, 0) == 1);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509_set_pubkey(x, key);
    add_ext(x, issuer ? issuer : x, NID_basic_constraints,
            spec.ca ? "critical,CA:TRUE" : "CA:FALSE");
    if (spec.ca) add_ext(x, issuer ? issuer : x, NID_key_usage, "critical,keyCertSign,cRLSign");
    if (!spec.dns_names.empty()) {
        GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
        for (const auto& dns : spec.dns_names) {
            ASN1_IA5STRING* s = ASN1_IA5STRING_new();
            ASN1_STRING_set(s, dns.data(), static_cast<int>(dns.size()));
            GENERAL_NAME* g = GENERAL_NAME_new();
            GENERAL_NAME_set0_value(g, GEN_DNS, s);
            sk_GENERAL_NAME_push(names, g);
        }
        REQUIRE(X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, 0) == 1);
        GENERAL_NAMES_free(names);
    }
    REQUIRE(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
    return c;
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        path = std::filesystem::temp_directory_path() /
               fmt::format("tlsprobe-hostile-{}-{}", static_cast<long>(::getpid()),
                           Clock::now().time_since_epoch().count());
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

std::string write_pem(const std::filesystem::path& file, const std::vector<X509*>& certs,
                      EVP_PKEY* key = nullptr) {
    BIO* bio = BIO_new_file(file.string().c_str(), "w");
    REQUIRE(bio);
    for (X509* c : certs) PEM_write_bio_X509(bio, c);
    if (key) PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    BIO_free(bio);
    return file.string();
}

// A root, `intermediates` CAs below it, and a leaf; the chain file holds leaf + intermediates.
struct GeneratedPki {
    TempDir dir;
    std::string root_file, chain_file, key_file;
    std::size_t leaf_der_size = 0;
};

void generate(GeneratedPki& pki, int intermediates, CertSpec leaf_spec) {
    Key root_key = new_key();
    Cert root =
        make_cert({"tlsprobe hostile root", {}, true, 1, {}}, root_key.get(), nullptr, nullptr);
    std::vector<Key> keys;
    std::vector<Cert> cas;
    X509* issuer = root.get();
    EVP_PKEY* issuer_key = root_key.get();
    for (int i = 0; i < intermediates; ++i) {
        keys.push_back(new_key());
        cas.push_back(make_cert({fmt::format("tlsprobe hostile CA {}", i), {}, true, 2 + i, {}},
                                keys.back().get(), issuer, issuer_key));
        issuer = cas.back().get();
        issuer_key = keys.back().get();
    }
    Key leaf_key = new_key();
    Cert leaf = make_cert(leaf_spec, leaf_key.get(), issuer, issuer_key);
    pki.leaf_der_size = static_cast<std::size_t>(i2d_X509(leaf.get(), nullptr));
    std::vector<X509*> chain{leaf.get()};
    for (auto it = cas.rbegin(); it != cas.rend(); ++it) chain.push_back(it->get());
    pki.root_file = write_pem(pki.dir.path / "root.pem", {root.get()});
    pki.chain_file = write_pem(pki.dir.path / "chain.pem", chain);
    pki.key_file = write_pem(pki.dir.path / "leaf.key", {}, leaf_key.get());
}

lab::TlsServerConfig serving(const GeneratedPki& pki) {
    lab::TlsServerConfig c;
    c.chain_pem_file = pki.chain_file;
    c.key_pem_file = pki.key_file;
    c.min_version = TLS1_2_VERSION;
    c.max_version = TLS1_3_VERSION;
    return c;
}

probe::TargetResult probe_and_judge(unsigned short port, const GeneratedPki& pki) {
    probe::ProbeOptions o;
    o.timeout = 5s;
    o.variants = false;
    o.trust =
        std::make_shared<x509::TrustStore>(x509::TrustStore::from_locations(pki.root_file, ""));
    auto t = probe::parse_target("tlsprobe.test:" + std::to_string(port));
    t.connect_to = "127.0.0.1";
    auto r = probe::probe_target_blocking(t, o);
    judge::assess(r);
    return r;
}

}  // namespace

TEST_CASE("hostile: a leaf with 10,000 names (a certificate message of hundreds of KiB) negotiates",
          "[hostile]") {
    GeneratedPki pki;
    CertSpec leaf{"tlsprobe.test", {"tlsprobe.test"}, false, 1000, {}};
    for (int i = 0; i < 10000; ++i)
        leaf.dns_names.push_back(fmt::format("n{:05}.many-names.tlsprobe.test", i));
    generate(pki, 1, leaf);
    CHECK(pki.leaf_der_size > 100 * 1024);
    CHECK(pki.leaf_der_size < 1024 * 1024);
    lab::TlsServer server(serving(pki));
    const auto o = via_openssl(server.port(), Version::tls1_2, 10s);
    check_attempt("openssl", o, {Status::negotiated}, 10s);
    CHECK(o.obs.chain.size() == 2);
    const auto r = via_raw(server.port(), Version::tls1_2, 10s);
    check_attempt("raw", r, {Status::negotiated}, 10s);
    // And the chain analysis of it does not crash.
    const auto result = probe_and_judge(server.port(), pki);
    REQUIRE(result.chain);
    CHECK(result.chain->trusted);
}

TEST_CASE("hostile: a 200-deep chain is never reported trusted (chain too long)", "[hostile]") {
    GeneratedPki pki;
    generate(pki, 199, {"tlsprobe.test", {"tlsprobe.test"}, false, 1000, {}});
    lab::TlsServer server(serving(pki));
    check_attempt("openssl", via_openssl(server.port(), Version::tls1_2, 10s), {Status::negotiated},
                  10s);
    check_attempt("raw", via_raw(server.port(), Version::tls1_2, 10s), {Status::negotiated}, 10s);
    const auto result = probe_and_judge(server.port(), pki);
    REQUIRE(result.chain);
    INFO("verify error " << result.chain->verify_error << ": " << result.chain->verify_error_text);
    CHECK_FALSE(result.chain->trusted);
    CHECK(result.chain->verify_error == X509_V_ERR_CERT_CHAIN_TOO_LONG);
    CHECK_NOTHROW(report::render_json(result));
}

TEST_CASE(
    "hostile: names with invalid UTF-8, control characters and a clear-screen escape are probed "
    "and reported",
    "[hostile]") {
    // OpenSSL will not encode a subject whose UTF8String is not UTF-8 (it canonicalises names
    // to sign them), so the CN carries control characters and ESC sequences in valid UTF-8, the
    // O carries invalid UTF-8 bytes as a T61String, and a SAN carries everything, NUL included.
    const std::string controls = "bad\x01\x07\x7f\x1b[2J\x1b]0;title\x07\r\nname";
    const std::string invalid_utf8 = "bad\xff\xfe\xc3(\xed\xa0\x80\x1b[2J";
    const std::string nasty = invalid_utf8 + controls + std::string(1, '\0') + "end";
    GeneratedPki pki;
    CertSpec leaf{
        controls, {"tlsprobe.test", nasty, "\x1b[2J.tlsprobe.test"}, false, 1000, invalid_utf8};
    generate(pki, 1, leaf);
    lab::TlsServer server(serving(pki));
    check_attempt("openssl", via_openssl(server.port(), Version::tls1_2), {Status::negotiated});
    check_attempt("raw", via_raw(server.port(), Version::tls1_2), {Status::negotiated});
    probe::TargetResult result;
    REQUIRE_NOTHROW(result = probe_and_judge(server.port(), pki));
    CHECK(result.chain);
}

// Certificate strings are made safe UTF-8 at the boundary (core/text.hpp), so the JSON
// writer never meets invalid bytes (nlohmann would throw type_error 316).
TEST_CASE(
    "hostile: the JSON report of names with invalid UTF-8 and a clear-screen escape does not throw",
    "[hostile]") {
    const std::string invalid_utf8 = "bad\xff\xfe\xc3(\xed\xa0\x80\x1b[2J";
    GeneratedPki pki;
    generate(pki, 1,
             {"bad\x1b[2Jname", {"tlsprobe.test", invalid_utf8}, false, 1000, invalid_utf8});
    lab::TlsServer server(serving(pki));
    const auto result = probe_and_judge(server.port(), pki);
    REQUIRE(result.chain);
    std::string json;
    REQUIRE_NOTHROW(json = report::render_json(result));
    CHECK(json.find('\x1b') == std::string::npos);  // JSON escapes control characters
}
