FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 ENV=production
WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md studygraph.py ./
COPY core core
COPY db db
COPY graph graph
COPY ml ml
COPY resolvers resolvers
COPY workers workers
COPY alembic alembic
RUN pip install -e . && useradd --system --uid 10001 studygraph
USER studygraph

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
CMD ["studygraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
