# Latchkey in a container: a release build in the Rust image, then the
# binary alone on Debian slim, running as an unprivileged user with its
# SQLite database (and generated secret) on a volume, so the root file
# system can be read-only. See docs/deploy.md ("Containers").
#
#   docker build -t latchkey .
#   docker run -d --read-only -p 8080:8080 -v latchkey-data:/var/lib/latchkey \
#       -e LATCHKEY_ISSUER=https://id.example.com latchkey

FROM rust:1.94-bookworm AS build
WORKDIR /src
COPY . .
# No features: fault injection (`failpoints`) is for tests only.
RUN cargo build --release --locked -p latchkey --bin latchkey \
    && install -D -m 0755 target/release/latchkey /out/latchkey

FROM debian:bookworm-slim
# ca-certificates: https to upstream providers and clients' jwks_uri;
# curl: the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 latchkey \
    && useradd --system --uid 10001 --gid latchkey --home-dir /var/lib/latchkey \
        --no-create-home --shell /usr/sbin/nologin latchkey \
    && install -d -o latchkey -g latchkey -m 0700 /var/lib/latchkey
COPY --from=build /out/latchkey /usr/bin/latchkey
ENV LATCHKEY_LISTEN=0.0.0.0:8080 \
    LATCHKEY_DATABASE_URL=sqlite:///var/lib/latchkey/latchkey.db
USER 10001:10001
WORKDIR /var/lib/latchkey
VOLUME ["/var/lib/latchkey"]
EXPOSE 8080
# 200 once the database answers; the port follows LATCHKEY_LISTEN.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${LATCHKEY_LISTEN##*:}/health/ready" || exit 1
# SIGTERM drains the requests in flight and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/latchkey"]
CMD ["serve"]
