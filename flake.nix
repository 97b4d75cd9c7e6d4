{
  description = "fedicentral: the central data model and AAA service of a Fediverse hosting platform";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAll (pkgs: {
        fedicentral = pkgs.callPackage ./nix/package.nix { };
        default = self.packages.${pkgs.system}.fedicentral;
      });

      overlays.default = final: _prev: { fedicentral = final.callPackage ./nix/package.nix { }; };

      nixosModules.default = {
        imports = [ ./nix/module.nix ];
        nixpkgs.overlays = [ self.overlays.default ];
      };

      checks = forAll (pkgs: {
        vm = import ./nix/tests/vm.nix { inherit pkgs self; };
      });
    };
}
