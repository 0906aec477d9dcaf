# streamtrain service image; used by docker-compose.yml (`docker compose up --build`).
# Expects its config at /config/streamtrain.yaml (mount a folder there) and KAFKA_BROKERS / S3_* in the environment.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY schemas ./schemas
COPY src ./src
# `npm ci` also runs the `prepare` script (the TypeScript build); the explicit build keeps the step obvious.
RUN npm ci && npm run build && npm prune --omit=dev

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/schemas ./schemas
USER node
ENTRYPOINT ["node", "bin/streamtrain.js"]
CMD ["run", "--config", "/config/streamtrain.yaml"]
