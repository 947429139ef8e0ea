"""Docker builds and images: build contexts (B1), COPY/ADD sources in the context actually used (B2), VERSION
files and image tags (B3). All three read one gathering of the repository's declared builds (inputs.py)."""

from ...declare import Hook

HOOKS = (
    Hook("observatory-docker", "Docker build contexts, COPY sources, image versions (B1 B2 B3)",
         "Check every declared Docker build: context style, COPY/ADD sources after .dockerignore, VERSION files "
         "and image tags (a staged deletion of a Dockerfile or context included).", staged=True, always_run=True,
         order=30),
)
