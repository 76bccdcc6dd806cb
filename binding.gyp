{
  "targets": [
    {
      "target_name": "mayastor_uring",
      "sources": ["native/uring.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", { "type": "none" }]]
    }
  ]
}
