# ShopSight 店铺经营看板: the Streamlit app on one port, data on a volume at /data.
#   docker build -t shopsight .
#   docker run -p 8501:8501 -v shopsight-data:/data \
#     -v "$PWD/secrets.toml:/app/.streamlit/secrets.toml:ro" shopsight
# See docs/hosting.md for sign-in, TLS behind a proxy and the DuckLake backend.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SHOPSIGHT_DATA_DIR=/data \
    SHOPSIGHT_REQUIRE_AUTH=1 \
    SHOPSIGHT_MEMORY_LIMIT=1GB \
    SHOPSIGHT_THREADS=2

WORKDIR /app

# dependencies first: this layer is rebuilt only when requirements.txt changes
COPY requirements.txt ./
RUN pip install -r requirements.txt

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin shopsight \
    && mkdir -p /data \
    && chown shopsight:shopsight /data

COPY --chown=root:root . .

USER shopsight
VOLUME ["/data"]
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://localhost:8501/_stcore/health', timeout=4).read() == b'ok' else 1)"

CMD ["python", "-m", "streamlit", "run", "app.py", \
     "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true", \
     "--browser.gatherUsageStats=false"]
