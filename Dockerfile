# One image for every node of a RnnCluster cluster (coordinator and worker); the role comes from
# the environment (RNNCLUSTER_ROLES, see docker-compose.yml).
#
#   docker build -t rnncluster .
#   docker run --rm rnncluster train --epochs 1        # any rnncluster command works too

# .NET 10 images are Ubuntu 24.04 "noble" (there are no Debian images for .NET 10).
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src

# Restore first, from the project files alone, so the package layer is cached across source edits.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/RnnCluster.Core/RnnCluster.Core.csproj src/RnnCluster.Core/
COPY src/RnnCluster.Cluster/RnnCluster.Cluster.csproj src/RnnCluster.Cluster/
COPY src/RnnCluster.Monitoring/RnnCluster.Monitoring.csproj src/RnnCluster.Monitoring/
COPY src/RnnCluster.Cli/RnnCluster.Cli.csproj src/RnnCluster.Cli/
RUN dotnet restore src/RnnCluster.Cli/RnnCluster.Cli.csproj

COPY cluster-config/ cluster-config/
COPY src/ src/
RUN dotnet publish src/RnnCluster.Cli/RnnCluster.Cli.csproj -c Release --no-restore -o /app

# ASP.NET Core's runtime: a coordinator serves its dashboard and /metrics with Kestrel.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble AS runtime
# OpenBLAS is the fast GEMM backend (Core loads libopenblas.so.0 and falls back to managed code without it);
# the plots' text is drawn in DejaVu.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopenblas0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY --from=build /app ./
RUN mkdir -p /data /checkpoints && chown app:app /data /checkpoints

# Akka remoting binds to 0.0.0.0 inside the container and advertises the container's hostname;
# the port is the same in every container (each has its own network namespace).
ENV RNNCLUSTER_HOST=0.0.0.0 \
    RNNCLUSTER_PORT=4053 \
    RNNCLUSTER_LOG_DIR=/checkpoints/runs
EXPOSE 4053 8053
VOLUME ["/checkpoints"]

# The non-root user that the .NET images provide.
USER app
ENTRYPOINT ["/app/rnncluster"]
CMD ["node"]
