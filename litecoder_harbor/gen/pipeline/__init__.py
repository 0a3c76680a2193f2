"""The LLM synthesis pipeline (`litecoder gen --backend llm`): one module per stage, each a
function of the slots and the results of the stages before it (`sampling`: task requests drawn
and judged per slot), plus the replies they parse (`replies`), the state they resume from
(`workdir`, the models of its files in `records`) and the end-of-run table (`summary`)."""

from litecoder_harbor.gen.pipeline.driver import SUMMARY_FILE, GenSummary, run_llm_gen

__all__ = ["SUMMARY_FILE", "GenSummary", "run_llm_gen"]
