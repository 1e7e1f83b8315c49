#include "lab/dns_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <optional>
#include <thread>

namespace tlsprobe::lab {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;

constexpr std::uint16_t kTypeA = 1, kTypeAAAA = 28;

struct Question {
    std::string name;       // lower case, no final dot
    std::uint16_t type = 0;
    std::size_t end = 0;    // offset just past the question in the query
};

// The first question of a query; nullopt when the bytes are not one.
std::optional<Question> parse_question(const std::uint8_t* data, std::size_t size) {
    if (size < 12 || (data[2] & 0x80) || ((data[4] << 8) | data[5]) < 1) return std::nullopt;
    Question q;
    std::size_t at = 12;
    for (int labels = 0; labels < 128; ++labels) {
        if (at >= size) return std::nullopt;
        const std::size_t length = data[at++];
        if (length == 0) break;
        if (length > 63 || at + length > size) return std::nullopt;
        if (!q.name.empty()) q.name += '.';
        for (std::size_t i = 0; i < length; ++i)
            q.name += static_cast<char>(std::tolower(data[at + i]));
        at += length;
    }
    if (at + 4 > size) return std::nullopt;
    q.type = static_cast<std::uint16_t>((data[at] << 8) | data[at + 1]);
    q.end = at + 4;
    return q;
}

void put16(std::vector<std::uint8_t>& out, std::uint32_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

}  // namespace

struct DnsServer::Impl {
    std::map<std::string, DnsName> zone;
    asio::io_context io;
    udp::socket socket{io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    mutable std::mutex mutex;
    std::map<std::string, std::size_t> counts;
    std::thread thread;

    std::optional<std::vector<std::uint8_t>> answer(const std::uint8_t* data, std::size_t size) {
        const auto q = parse_question(data, size);
        if (!q) return std::nullopt;
        {
            std::lock_guard lock(mutex);
            ++counts[q->name];
        }
        const auto found = zone.find(q->name);
        if (found != zone.end() && found->second.silent) return std::nullopt;
        std::vector<std::uint8_t> out(data, data + q->end);  // id, flags, counts, question
        out[2] = static_cast<std::uint8_t>(0x80 | (data[2] & 0x01));  // QR, RD copied
        out[3] = 0x80;                                                // RA, NOERROR
        out[6] = out[7] = out[8] = out[9] = out[10] = out[11] = 0;    // ancount ... arcount
        out[4] = 0;
        out[5] = 1;
        if (found == zone.end()) {
            out[3] = 0x83;  // NXDOMAIN
            return out;
        }
        std::size_t answers = 0;
        auto add = [&](std::uint16_t type, const asio::ip::address& address) {
            put16(out, 0xC00C);  // the name: a pointer to the question's
            put16(out, type);
            put16(out, 1);  // IN
            put16(out, found->second.ttl >> 16);
            put16(out, found->second.ttl & 0xFFFF);
            if (address.is_v4()) {
                const auto bytes = address.to_v4().to_bytes();
                put16(out, bytes.size());
                out.insert(out.end(), bytes.begin(), bytes.end());
            } else {
                const auto bytes = address.to_v6().to_bytes();
                put16(out, bytes.size());
                out.insert(out.end(), bytes.begin(), bytes.end());
            }
            ++answers;
        };
        if (q->type == kTypeA)
            for (const auto& a : found->second.a) add(kTypeA, asio::ip::make_address(a));
        if (q->type == kTypeAAAA)
            for (const auto& a : found->second.aaaa) add(kTypeAAAA, asio::ip::make_address(a));
        out[6] = static_cast<std::uint8_t>(answers >> 8);
        out[7] = static_cast<std::uint8_t>(answers);
        return out;
    }

    asio::awaitable<void> serve() {
        std::array<std::uint8_t, 1500> buffer{};
        for (;;) {
            udp::endpoint from;
            auto [ec, n] = co_await socket.async_receive_from(
                asio::buffer(buffer), from, asio::as_tuple(asio::use_awaitable));
            if (ec == asio::error::operation_aborted || !socket.is_open()) co_return;
            if (ec) continue;
            if (auto reply = answer(buffer.data(), n)) {
                auto [send_error, sent] = co_await socket.async_send_to(
                    asio::buffer(*reply), from, asio::as_tuple(asio::use_awaitable));
                (void)send_error;
                (void)sent;
            }
        }
    }
};

DnsServer::DnsServer(std::map<std::string, DnsName> zone) : impl_(std::make_unique<Impl>()) {
    impl_->zone = std::move(zone);
    asio::co_spawn(impl_->io, impl_->serve(), asio::detached);
    impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

DnsServer::~DnsServer() {
    asio::post(impl_->io, [impl = impl_.get()] {
        boost::system::error_code ignored;
        impl->socket.close(ignored);
    });
    impl_->thread.join();
}

unsigned short DnsServer::port() const { return impl_->socket.local_endpoint().port(); }

std::string DnsServer::address() const { return "127.0.0.1:" + std::to_string(port()); }

std::size_t DnsServer::queries(const std::string& name) const {
    std::lock_guard lock(impl_->mutex);
    const auto found = impl_->counts.find(name);
    return found == impl_->counts.end() ? 0 : found->second;
}

}  // namespace tlsprobe::lab
