#include "engine/upgrade.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <fmt/format.h>

namespace tlsprobe::engine {

namespace asio = boost::asio;
namespace beast = boost::beast;
using core::Phase;
using core::Status;
using core::TraceEvent;
using Clock = std::chrono::steady_clock;

asio::awaitable<bool> run_upgrade(beast::tcp_stream& stream, const Upgrade& upgrade,
                                  std::chrono::milliseconds timeout, AttemptLog& log) {
    if (!upgrade.active()) co_return true;
    wire::UpgradeDialogue dialogue(upgrade.protocol, upgrade.name);
    const auto what = wire::display_name(upgrade.protocol);
    log.obs.phase = Phase::upgrade;
    log.event(TraceEvent::Direction::local, fmt::format("upgrade: {}", what));
    stream.expires_after(timeout);
    const auto deadline = Clock::now() + timeout;
    std::array<std::uint8_t, 4096> buf{};
    wire::UpgradeStep step = dialogue.start();
    // Bounded by time (the stream's expiry and the deadline, checked after every read) and by
    // bytes (the dialogue fails a reply past wire::kMaxUpgradeReply), never by a read count.
    for (;;) {
        if (!step.received.empty()) log.event(TraceEvent::Direction::received, step.received);
        if (step.kind == wire::UpgradeStep::Kind::ready) break;
        if (step.kind == wire::UpgradeStep::Kind::fail) {
            log.obs.first_bytes = dialogue.first_bytes();
            log.fail(step.status, fmt::format("{}: {}", what, step.detail));
            co_return false;
        }
        if (step.kind == wire::UpgradeStep::Kind::send) {
            const auto [ec, n] = co_await asio::async_write(stream, asio::buffer(step.bytes),
                                                            asio::as_tuple(asio::use_awaitable));
            (void)n;
            log.event(TraceEvent::Direction::sent, step.sent);
            if (ec) {
                log.fail(ec == asio::error::connection_reset || ec == asio::error::broken_pipe
                             ? Status::reset
                             : Status::closed,
                         fmt::format("{}: the connection broke while sending '{}': {}", what,
                                     step.sent, ec.message()));
                co_return false;
            }
            if (step.then_ready) break;
        }
        if (Clock::now() >= deadline) {
            log.fail(Status::timeout, fmt::format("{}: the dialogue did not finish within {} ms",
                                                  what, timeout.count()));
            co_return false;
        }
        const auto [ec, n] =
            co_await stream.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
        if (ec) {
            log.obs.first_bytes = dialogue.first_bytes();
            const bool spoke = !dialogue.first_bytes().empty();
            if (ec == beast::error::timeout) {
                log.event(TraceEvent::Direction::local,
                          fmt::format("no reply within {} ms", timeout.count()));
                log.fail(Status::timeout,
                         fmt::format("{}: {} within {} ms", what,
                                     spoke ? "the server stopped answering the dialogue"
                                           : "no greeting from the server",
                                     timeout.count()));
            } else if (ec == asio::error::eof) {
                log.event(TraceEvent::Direction::received, "FIN");
                log.fail(Status::closed,
                         fmt::format("{}: the server closed the connection (FIN) {}", what,
                                     spoke ? "during the dialogue" : "before any greeting"));
            } else if (ec == asio::error::connection_reset) {
                log.event(TraceEvent::Direction::received, "RST");
                log.fail(Status::reset,
                         fmt::format("{}: the server reset the connection (RST) {}", what,
                                     spoke ? "during the dialogue" : "before any greeting"));
            } else {
                log.fail(Status::internal_error, "socket error: " + ec.message());
            }
            co_return false;
        }
        log.received(n);
        step = dialogue.feed(core::ByteView(buf.data(), n));
        log.obs.greeting = wire::greeting_banner(upgrade.protocol, dialogue.first_bytes());
    }
    log.event(
        TraceEvent::Direction::local,
        fmt::format("upgrade done after {:.1f} ms, TLS starts",
                    static_cast<double>((log.now() - log.obs.connect_time).count()) / 1000.0));
    log.bytes_received = 0;
    log.obs.phase = Phase::hello;
    co_return true;
}

asio::awaitable<bool> connect_and_upgrade(beast::tcp_stream& stream, asio::ip::tcp::endpoint peer,
                                          std::chrono::milliseconds timeout, const Upgrade& upgrade,
                                          AttemptLog& log) {
    const bool connected = co_await connect_with_timeout(stream, peer, timeout, log);
    if (!connected) co_return false;
    const bool upgraded = co_await run_upgrade(stream, upgrade, timeout, log);
    co_return upgraded;
}

}  // namespace tlsprobe::engine
