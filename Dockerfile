FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    CRYPTORAG_DATA_DIR=/data
WORKDIR /app

# The CPU build of torch first: the default index resolves torch to CUDA wheels of several GB.
RUN pip install --upgrade pip \
 && pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

COPY pyproject.toml README.md ./
COPY app ./app
COPY ingest ./ingest
COPY finetune ./finetune
RUN pip install '.[server]'

COPY sources.yaml ./
# The ONNX export of the embedding model is made on first start; keep it on the data volume so
# a new container reuses it.
ENV CRYPTORAG_EMBEDDING_CACHE_DIR=/data/onnx

RUN useradd --create-home --uid 1000 cryptorag && mkdir -p /data && chown cryptorag /data
USER cryptorag
VOLUME ["/data"]
EXPOSE 8000
CMD ["cryptorag", "serve", "--host", "0.0.0.0", "--port", "8000", "--seed-sample"]
