// asciichart ships no types; the part cp-plan uses.
declare module 'asciichart' {
  interface PlotConfig {
    height?: number;
    format?: (value: number, index: number) => string;
    colors?: string[];
  }
  const asciichart: {
    plot(series: number[] | number[][], config?: PlotConfig): string;
    blue: string;
    red: string;
    green: string;
    magenta: string;
    yellow: string;
    cyan: string;
  };
  export default asciichart;
}
