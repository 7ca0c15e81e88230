{
  "targets": [
    {
      "target_name": "kernels",
      "sources": ["kernels.c"],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=off", "-Wno-psabi"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=gnu11", "-ffp-contract=off", "-Wno-psabi"] },
      "msvs_settings": { "VCCLCompilerTool": { "Optimization": 2, "AdditionalOptions": ["/fp:precise"] } }
    }
  ]
}
