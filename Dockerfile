# Production image: one image, two roles (ROLE=gateway | worker | all). Not built in CI (no Docker engine there).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
# Every source folder the gateway and worker import, the data files beside them, and the demo samples.
COPY db ./db
COPY errors ./errors
COPY http-input ./http-input
COPY records ./records
COPY pipeline ./pipeline
COPY identity ./identity
COPY resilience ./resilience
COPY mappers ./mappers
COPY profiles ./profiles
COPY ehr-store ./ehr-store
COPY reporting ./reporting
COPY workers ./workers
COPY gateway ./gateway
COPY samples ./samples
USER node
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
EXPOSE 8080
CMD ["node", "--import", "tsx", "gateway/main.ts"]
