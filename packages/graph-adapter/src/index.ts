export const name = "graph";
