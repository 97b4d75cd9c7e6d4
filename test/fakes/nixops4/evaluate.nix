# What the fake nixops4 evaluates in its evaluating mode: the project's Nix library on deployment.json, as a
# NixOps4 root expression would import it (README.md, "The Nix library for deployment.json").
{
  nixpkgsLib,
  deploymentJson,
}:
(import ../../../nix/deployment { lib = import (nixpkgsLib + "/lib"); }).load deploymentJson
