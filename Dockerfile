# The application image: one image, two roles (worker and api) chosen by the command.
# TypeScript runs through tsx, so there is no build step and no compiled output to drift.
FROM node:22-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so source edits do not invalidate the npm layer.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY --chown=node:node . .
RUN mkdir -p /app/.data && chown node:node /app/.data

# The worker's workflow bundler and the API need no root; neither does PostgreSQL access.
USER node

CMD ["npx", "tsx", "api/main.ts"]
