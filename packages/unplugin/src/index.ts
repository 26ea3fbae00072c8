// OWNER: unplugin helper. Placeholder until the plugin lands.
export {}
