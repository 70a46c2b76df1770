// k2's Helm chart renderer: load a chart from anywhere Helm can, render it as Helm does.
export { chartDirectoryFiles, fetchChartArchiveFromOci, fetchChartArchiveFromRepository, loadChart, loadChartDirectory, loadChartFromOci, loadChartFromRepository, type ChartSourceOptions } from './sources.ts';
export { type Chart, type ChartFile, ChartLoadError, loadChartArchive, loadChartFiles } from './chart.ts';
export { ChartRenderError, formatTemplateOutput, renderChart, selectShown, type RenderedHook, type RenderedManifest, type RenderOptions, type RenderResult } from './render.ts';
export { type LookupFunction, RenderError } from './engine.ts';
export { hooksFor, installOrder } from './manifests.ts';
export { kubernetes133ApiVersions } from './capabilities.ts';
