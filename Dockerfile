# Production image: one image, two roles (ROLE=gateway | worker | all). Not built in CI (no Docker engine there).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY gateway ./gateway
COPY mappers ./mappers
COPY profiles ./profiles
COPY workers ./workers
USER node
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
EXPOSE 8080
CMD ["node", "--import", "tsx", "gateway/main.ts"]
