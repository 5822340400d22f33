// Types of release.cjs (plain Node so it runs without the root's dependencies).
export interface ReleaseSources {
  rootVersion: string;
  pluginVersion: string;
  changelog: string;
}
export interface PluginPackage {
  name: string;
  version: string;
}
export function changelogSection(changelog: string, version: string): string | undefined;
export function tagProblems(tag: string, sources: ReleaseSources): string[];
export function pluginDeployArgs(plugin: PluginPackage, changelog: string): string[];
export function pluginReleaseArgs(plugin: PluginPackage, changelog: string): string[];
