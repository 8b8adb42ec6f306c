"""A deterministic generator of notes archives in the seeds' format.

Benchmarks need archives far bigger than the seeds that still look like them to
the parser and the full-text index: English titles with product names and colon
subtitles, long author lists, one-paragraph abstracts, Korean commentary with
English terms and particles attached (`Latent를`), optional English translation
lines, Zipf-distributed tags and papers that come back on a later day. Sentences
are drawn from seeded pools built once, so a million entries take seconds, and the
same seed always writes the same bytes.
"""

from __future__ import annotations

import json
import random
import shutil
import string
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

from bot.core.papers import paper_key

# ---- vocabulary ---------------------------------------------------------------


def _split(text: str, sep: str | None = None) -> tuple[str, ...]:
    """A word list written as one string, to keep the vocabulary compact."""
    return tuple(text.split(sep))


ADJECTIVES = _split(
    "Efficient Scalable Unified Simple Robust Sparse Dense Multimodal Hierarchical Adaptive"
    " Self-Supervised Contrastive Generative Discrete Continuous Masked Causal Autoregressive"
    " Latent Implicit Long-Context Open Lightweight Parameter-Efficient Zero-Shot Few-Shot"
    " Compositional Interleaved Visual Native Any-Resolution Compute-Optimal Data-Efficient"
    " Universal Controllable Faithful Grounded Streaming Parallel Recurrent Linear Hybrid"
    " Modular Decoupled Progressive Iterative Reflective Verifiable Synthetic Federated Diverse"
    " Calibrated Consistent Fast Tiny Large-Scale Open-Vocabulary Cross-Lingual Multilingual"
    " Embodied Interactive"
)
NOUNS = _split(
    "Transformers|Diffusion Models|Language Models|Vision Transformers|Tokenizers|Reward Models"
    "|Agents|Retrievers|Reasoners|Policies|State Space Models|Vision Encoders|Codebooks"
    "|Autoencoders|Mixture-of-Experts|Attention|Embeddings|Representations|Video Models"
    "|World Models|Speech Models|Code Models|Verifiers|Critics|Planners|Flow Matching"
    "|Consistency Models|Normalizing Flows|Rotary Embeddings|KV Caches|Adapters|Prompts"
    "|Chains of Thought|Process Rewards|Preference Data|Instruction Data|Benchmarks|Datasets"
    "|Scaling Laws|Optimizers|Learning Rates|Sparse Autoencoders|Circuits|Features|Registers"
    "|Patches|Latents",
    sep="|",
)
TASKS = _split(
    "Image Generation|Text-to-Image Synthesis|Video Generation|Visual Question Answering"
    "|Code Generation|Mathematical Reasoning|Long-Context Modeling|Language Modeling"
    "|Speech Recognition|Text-to-Speech|Machine Translation|Retrieval-Augmented Generation"
    "|Instruction Following|Preference Optimization|Reinforcement Learning|Robot Manipulation"
    "|Document Understanding|Chart Understanding|3D Reconstruction|Novel View Synthesis"
    "|Semantic Segmentation|Object Detection|Open-Domain QA|Tool Use|Web Navigation"
    "|Theorem Proving|Program Synthesis|Data Curation|Pretraining|Post-Training|Alignment"
    "|Distillation|Quantization|Inference Acceleration|Speculative Decoding"
    "|Multimodal Understanding|Audio Generation|Music Generation|Image Editing|Visual Grounding",
    sep="|",
)
VERBS = _split(
    "Learn|Generalize|Reason|Memorize|Forget|Plan|Scale|Acquire Factual Knowledge|Hallucinate"
    "|Self-Correct|Follow Instructions|Use Tools|Compress|See|Think",
    sep="|",
)
PROPERTIES = _split(
    "Limits Role Geometry Scaling Emergence Robustness Calibration Efficiency Expressivity"
    " Stability Dynamics Sensitivity"
)
PRODUCT_BASES = _split(
    "Qwen DeepSeek LLaMA Gemma PaliGemma Phi Mistral Mixtral InternVL Florence Kosmos Chameleon"
    " Emu Janus Nemotron Falcon MiniCPM Molmo Pixtral SigLIP DINO SAM Whisper Flux Genie TiTok"
    " Cosmos Hunyuan Aria OLMo Tulu Zephyr Orca StarCoder CodeLlama Granite Jamba Mamba RWKV"
    " Hyena Samba LLaVA BLIP CogVLM GLM Yi Baichuan Aya Gemini Sora Veo Imagen Parti MaskGIT"
    " VAR MAR Show-o Transfusion VILA NVLM Eagle Cambrian Idefics Fuyu Kimi"
)
# Halves of coined model names (`TokenFlow`, `OmniLens`): papers name things.
SYLLABLES = _split(
    "Token Flow Spark Nova Lumi Vox Mosaic Atlas Orbit Prism Echo Pixel Zero Deep Open Mega"
    " Nano Hyper Omni Uni Poly Quant Sage Muse Lyra Astra Zeta Kairo Vela Helix Cortex Relay"
    " Sonic Magi Verse Forge Loom Pilot Scribe Lens"
)
VERSIONS = ("2", "3", "2.5", "3.1", "-V2", "-V3", "4", "-1.5")
VARIANTS = _split(
    "-VL -Coder -Math -Audio -R1 -Instruct -MoE -Vision -Omni -Long -Mini -Pro -Lite -X"
)
BENCHMARKS = _split(
    "ImageNet COCO MMLU GSM8K MATH HumanEval MBPP LiveCodeBench GPQA ARC HellaSwag MMMU ChartQA"
    " DocVQA TextVQA VQAv2 LibriSpeech AlpacaEval Arena-Hard MT-Bench SWE-bench WebArena RULER"
    " Kinetics UCF-101 ScanNet nuScenes"
)
FIRST_NAMES = _split(
    "Wei Jian Yu Xin Hao Lei Yang Chen Jun Ming Hyunwoo Jiwon Seonghyeon Minjoon Jinho Sohee"
    " Daniel Michael Sarah Emily David Alexander Maria Anna Kevin Jason Tianhong Kaiming Yonglong"
    " Qihang Mark Xueqing Subham Justin Volodymyr Sebastian Lucas Olivia Priya Rahul Arjun"
    " Ananya Hiroshi Yuki Takeshi Pierre Louis Julien Matteo Giulia Noam Yair Omer Ivan Dmitry"
    " Elena Sofia Diego Carlos Zhenda Daya Zhihong Peiyi Runxin Shiwei Joya Kevin Lin"
)
LAST_NAMES = _split(
    "Li Wang Zhang Liu Chen Yang Zhao Huang Zhou Wu Xu Sun Ma Zhu Hu Guo He Lin Luo Gao Kim"
    " Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Seo Smith Johnson Brown Miller Davis Garcia"
    " Rodriguez Wilson Martinez Anderson Taylor Thomas Moore Martin Jackson White Harris"
    " Clark Lewis Robinson Walker Young Allen King Wright Scott Green Baker Adams Nelson Hill"
    " Tanaka Suzuki Sato Watanabe Dubois Rossi Bianchi Cohen Levy Ivanov Petrov Gupta Sharma"
    " Singh Patel Kumar Rao Nguyen Tran"
)
ORGS = _split(
    "Nvidia|Google DeepMind|Meta FAIR|Qwen Team|DeepSeek-AI|Microsoft Research|Apple"
    "|Allen Institute for AI|Mistral AI|NAVER Cloud|Kakao Brain|LG AI Research|Hugging Face",
    sep="|",
)

# Korean commentary: nouns, particles chosen by the final consonant, endings.
KO_NOUNS = _split(
    "모델 데이터셋 토큰 학습 추론 방법 성능 벤치마크 코드북 인코더 디코더 이미지"
    " 텍스트 생성 분석 결과 구조 레이어 어텐션 파라미터 스케일링 프리트레이닝 정렬"
    " 보상 평가 품질 필터링 합성데이터 데이터 아이디어 접근 실험 비교 문제 가능성"
    " 효율 비용 압축 양자화 확산모델 검색 에이전트 비디오 오디오 음성 멀티모달"
    " 토크나이저 레지스터 패치 임베딩 손실 피드백 샘플 어노테이터 휴리스틱 해상도 길이"
    " 규모 다양성 일반화 분포 지식 사고과정 검증 코드 수학 프롬프트 튜닝 연구 시도"
    " 설계 디테일 아키텍처 컴퓨트 추가학습 중복 노이즈"
)
KO_MODIFIERS = ("기반", "대신", "같은", "위한", "통한", "사이의", "대한", "중심의")
KO_CONNECTORS = _split(
    "다만 그리고 결과적으로 추가적으로 여전히 일단 특히 따라서 물론 흥미롭게도 한편"
)
KO_ENDINGS = _split(
    "사용했네요.|흥미롭네요.|제안했습니다.|보여줍니다.|개선했군요."
    "|있을 듯 합니다.|재미있네요.|시도입니다.|방법입니다.|필요할 것 같네요."
    "|나왔군요.|분석입니다.|확인했습니다.|구축했습니다.|적용해봤군요."
    "|가능하겠네요.|중요할 것 같습니다.|아닐까 싶네요.|생각해볼 만하네요."
    "|좋은 부분이네요.",
    sep="|",
)
# (after a final consonant, after a vowel)
KO_PARTICLES = (
    ("을", "를"),
    ("이", "가"),
    ("은", "는"),
    ("과", "와"),
    ("으로", "로"),
    ("의", "의"),
)
KO_TERMS = _split(
    "Latent|Diffusion|Autoregressive|Tokenizer|Reward Model|Preference|Scaling|MoE|Attention"
    "|RoPE|Feature|Loss|Codebook|VQ|RL|SFT|DPO|Inference|Pretraining|Benchmark|Long Context"
    "|Vision Encoder|LLM|Reasoning|Verifier|Synthetic Data|Deduplication|Filtering|KV Cache",
    sep="|",
)

# ~200 tags: the seeds' kind of tags, then domain × aspect compounds, Zipf-weighted.
BASE_TAGS = _split(
    "llm vision-language diffusion vq image-generation pretraining reward-model synthetic-data"
    " corpus search autoregressive-model reasoning alignment moe dataset world-models"
    " video-language image-text tokenizer text-to-image state-space-model self-improvement"
    " optimizer audio rl agent code math speech tts asr video-generation 3d nerf"
    " gaussian-splatting robotics retrieval rag long-context efficient-attention quantization"
    " pruning distillation scaling-law instruction-tuning safety interpretability evaluation"
    " benchmark multilingual korean ocr document chart embedding contrastive-learning"
    " self-supervised vit cnn gan vae flow-matching consistency-model sampling inference"
    " speculative-decoding kv-cache serving hardware compiler sparsity lora peft"
    " continual-learning federated-learning privacy watermark hallucination factuality"
    " calibration uncertainty in-context-learning chain-of-thought prompting tool-use"
    " web-agent planning theorem-proving program-synthesis data-curation deduplication"
    " filtering curriculum mixture-of-depths positional-encoding rope normalization"
    " initialization"
)
TAG_DOMAINS = _split("image video audio speech 3d code math medical robot web")
TAG_ASPECTS = _split(
    "tokenizer dataset benchmark generation understanding editing agent evaluation"
    " pretraining alignment"
)
TAGS = BASE_TAGS + tuple(f"{d}-{a}" for d in TAG_DOMAINS for a in TAG_ASPECTS)
TAG_WEIGHTS = tuple(accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(TAGS))))

# English sentence parts for abstracts and commentary translations.
ISSUES = _split(
    "limited context|quadratic cost|exposure bias|reward hacking|data contamination"
    "|poor calibration|redundant tokens|catastrophic forgetting|distribution shift"
    "|high memory use",
    sep="|",
)
FINDINGS = _split(
    "data quality matters more than quantity|small models benefit the most"
    "|the gains persist at scale|most of the improvement comes from the tokenizer"
    "|longer training closes the gap|the effect is robust across seeds",
    sep="|",
)


def _lower(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(w.lower() for w in words)


# ---- the archive ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArchiveSpec:
    """What to generate. Equal specs (seed included) give byte-identical archives."""

    entries: int
    entries_per_day: int = 10
    days_per_file: int = 1
    last_day: str = "2024-12-31"
    seed: int = 0
    repeat_rate: float = 0.03


@dataclass(frozen=True, slots=True)
class Archive:
    """A generated archive on disk and what it holds."""

    root: Path
    spec: ArchiveSpec
    files: int
    days: int
    entries: int
    papers: int
    generate_seconds: float

    def paths(self) -> list[Path]:
        """The notes files, in name order."""
        return sorted(self.root.rglob("*.txt"))


@dataclass(frozen=True, slots=True)
class _Seen:
    """An earlier entry that may come back on a later day."""

    title: str
    authors: str
    abstract: str | None


class NotesWriter:
    """Builds entries from seeded sentence pools; one instance per archive."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._keys: set[str] = set()
        self.abstract_pool = [self._abstract_sentence() for _ in range(4000)]
        self.korean_pool = [self._korean_sentence() for _ in range(6000)]
        self.english_pool = [self._english_comment() for _ in range(3000)]

    # -- titles

    def product(self) -> str:
        """A model name: `Qwen2-VL`, `DeepSeek-Coder-V2`, `OmniLens-3`, `DCLM`."""
        r = self._rng
        roll = r.random()
        if roll < 0.45:
            base = r.choice(PRODUCT_BASES)
        elif roll < 0.85:
            base = r.choice(SYLLABLES) + r.choice(SYLLABLES)
        else:
            base = "".join(r.choices(string.ascii_uppercase, k=r.randint(3, 5)))
        variant = r.choice(VARIANTS) if r.random() < 0.5 else ""
        version = r.choice(VERSIONS) if r.random() < 0.6 else ""
        if version.startswith("-") or r.random() < 0.5:
            return base + variant + version
        return base + version + variant

    def _phrase(self) -> str:
        r = self._rng
        adj, adj2 = r.choice(ADJECTIVES), r.choice(ADJECTIVES)
        noun, noun2, task = r.choice(NOUNS), r.choice(NOUNS), r.choice(TASKS)
        return r.choice(
            (
                f"{adj} {noun} for {task}",
                f"{adj} {adj2} {noun}",
                f"{noun} with {adj} {noun2}",
                f"{task} with {adj} {noun}",
                f"{adj} {task} via {noun}",
                f"Learning to {r.choice(VERBS)} with {noun}",
            )
        )

    def _title(self, force_product: bool) -> str:
        r = self._rng
        roll = 0.0 if force_product else r.random()
        if roll < 0.30:
            return f"{self.product()}: {self._phrase()}"
        if roll < 0.65:
            return self._phrase()
        if roll < 0.75:
            return f"{self._phrase()}: {self._phrase()}"
        if roll < 0.78:
            return f"{self.product()} Technical Report"
        if roll < 0.83:
            return f"{r.choice(('How Do', 'Can', 'Why Do'))} {r.choice(NOUNS)} {r.choice(VERBS)}?"
        noun, task = r.choice(NOUNS), r.choice(TASKS)
        return r.choice(
            (
                f"On the {r.choice(PROPERTIES)} of {r.choice(ADJECTIVES)} {noun}",
                f"Towards {r.choice(ADJECTIVES)} {task}",
                f"Rethinking {noun} for {task}",
                f"Beyond {noun}: {self._phrase()}",
                f"When {noun} Meet {r.choice(NOUNS)}",
                f"An Empirical Study of {noun} for {task}",
                f"Scaling {noun} to {r.choice(('1M', '100B', '10K', '1T'))} Tokens",
            )
        )

    def unique_title(self) -> str:
        """A title whose paper key is new: a new paper, not an accidental repeat."""
        for attempt in range(50):
            title = self._title(force_product=attempt >= 3)
            key = paper_key(title)
            if key not in self._keys:
                self._keys.add(key)
                return title
        raise RuntimeError("title space exhausted")  # pragma: no cover - needs ~10^9 titles

    @property
    def papers(self) -> int:
        """Distinct papers written so far."""
        return len(self._keys)

    # -- other lines

    def authors(self) -> str:
        """`(A, B, …)` with 3–80 names (long lists are rarer), sometimes `(Org: …)`."""
        r = self._rng
        roll = r.random()
        count = r.randint(*((3, 10) if roll < 0.7 else (11, 30) if roll < 0.95 else (31, 80)))
        names = map(
            " ".join,
            zip(r.choices(FIRST_NAMES, k=count), r.choices(LAST_NAMES, k=count), strict=True),
        )
        inner = ", ".join(names)
        if r.random() < 0.05:
            inner = f"{r.choice(ORGS)}: {inner}"
        return f"({inner})"

    def _abstract_sentence(self) -> str:
        r = self._rng
        noun, noun2 = r.choice(NOUNS).lower(), r.choice(NOUNS).lower()
        task, adj = r.choice(TASKS).lower(), r.choice(ADJECTIVES).lower()
        bench, bench2 = r.choice(BENCHMARKS), r.choice(BENCHMARKS)
        return r.choice(
            (
                f"Existing {noun} struggle with {task} because of {r.choice(ISSUES)}.",
                f"We propose a {adj} approach that combines {noun} with {noun2}.",
                f"Experiments on {bench} show that our method outperforms strong baselines"
                f" by {r.randint(1, 15)}.{r.randint(0, 9)} points.",
                f"Our {r.choice((1, 3, 7, 8, 13, 34, 70))}B model achieves state-of-the-art"
                f" results on {bench} and {bench2}.",
                f"We further analyze the {r.choice(PROPERTIES).lower()} of {noun} and find"
                f" that {r.choice(FINDINGS)}.",
                f"Unlike prior work, our method does not require {noun2} or {adj} {noun}.",
                f"We release {r.randint(2, 900)}B tokens of {adj} data for {task}.",
                f"This reduces the cost of {task} by {r.randint(2, 40)}x without loss in quality.",
                "Code and models are publicly available.",
            )
        )

    def abstract(self, title: str) -> str:
        """One paragraph: a sentence naming the paper, then 4–9 pool sentences."""
        r = self._rng
        name = title.split(":")[0] if ":" in title else "a new method"
        first = (
            f"We introduce {name}, which applies {r.choice(ADJECTIVES).lower()}"
            f" {r.choice(NOUNS).lower()} to {r.choice(TASKS).lower()}."
        )
        return " ".join((first, *r.choices(self.abstract_pool, k=r.randint(4, 9))))

    def _korean_word(self) -> str:
        """A Korean noun or an English term with a particle fitted to its last sound."""
        r = self._rng
        roll = r.random()
        word = r.choice(KO_NOUNS) if roll < 0.6 else r.choice(KO_TERMS)
        if roll >= 0.85:
            word = f"{word} {r.choice(KO_NOUNS)}"
        after_consonant, after_vowel = r.choice(KO_PARTICLES)
        last = ord(word[-1]) - 0xAC00
        if 0 <= last < 11172:
            return word + (after_consonant if last % 28 else after_vowel)
        return word + r.choice((after_consonant, after_vowel))

    def _korean_sentence(self) -> str:
        r = self._rng
        parts = [r.choice(KO_CONNECTORS)] if r.random() < 0.3 else []
        for _ in range(r.randint(2, 4)):
            if r.random() < 0.2:
                parts.append(f"{r.choice(KO_NOUNS)} {r.choice(KO_MODIFIERS)}")
            parts.append(self._korean_word())
        parts.append(r.choice(KO_ENDINGS))
        return " ".join(parts)

    def _english_comment(self) -> str:
        r = self._rng
        noun, task = r.choice(NOUNS).lower(), r.choice(TASKS).lower()
        return r.choice(
            (
                f"An approach that uses {noun} for {task}.",
                f"It is interesting that {noun} help {task} this much.",
                f"However, it is unclear whether this holds for {noun} at scale.",
                f"They built a dataset for {task} with {r.choice(ADJECTIVES).lower()} filtering.",
                f"The idea of replacing {noun} with {r.choice(NOUNS).lower()} is neat.",
                f"Worth comparing with earlier work on {task}.",
            )
        )

    def commentary(self, title: str) -> list[str]:
        """1–4 Korean lines, sometimes a link, sometimes followed by English translations."""
        r = self._rng
        lines = [
            " ".join(r.choices(self.korean_pool, k=r.randint(1, 3))) for _ in range(r.randint(1, 4))
        ]
        if ":" in title and r.random() < 0.3:
            lines[0] = f"{title.split(':')[0]}이 나왔군요. {lines[0]}"
        if r.random() < 0.25:
            link = f"https://arxiv.org/abs/{r.randint(2001, 2412)}.{r.randint(0, 99999):05d}"
            line = r.randrange(len(lines))
            lines[line] = lines[line].replace(". ", f". ({link}) ", 1)
        if r.random() < 0.4:
            lines += [" ".join(r.choices(self.english_pool, k=r.randint(1, 2))) for _ in lines]
        return lines

    def tags(self) -> str:
        """`#a #b`: 1–3 distinct tags, popular ones far more often."""
        r = self._rng
        count = r.choices((1, 2, 3), weights=(45, 35, 20))[0]
        picked = dict.fromkeys(r.choices(TAGS, cum_weights=TAG_WEIGHTS, k=count))
        return " ".join(f"#{tag}" for tag in picked)


def _day_sizes(spec: ArchiveSpec, rng: random.Random) -> list[int]:
    """Entries per day, varying ±50% around the mean, summing to exactly `spec.entries`."""
    low, high = max(1, spec.entries_per_day // 2), spec.entries_per_day * 3 // 2
    sizes: list[int] = []
    left = spec.entries
    while left > 0:
        size = min(left, rng.randint(low, high))
        sizes.append(size)
        left -= size
    return sizes


def date_header(day: date) -> str:
    """The header the author writes: `2024년 6월 12일`."""
    return f"{day.year}년 {day.month}월 {day.day}일"


def _days(
    spec: ArchiveSpec, writer: NotesWriter, rng: random.Random
) -> Iterator[tuple[date, list[str]]]:
    """Each day's lines; about `repeat_rate` of entries re-note a paper from an earlier day."""
    sizes = _day_sizes(spec, rng)
    first = date.fromisoformat(spec.last_day) - timedelta(days=len(sizes) - 1)
    earlier: list[_Seen] = []
    for offset, size in enumerate(sizes):
        day = first + timedelta(days=offset)
        lines = [date_header(day)]
        today: list[_Seen] = []
        for _ in range(size):
            if earlier and rng.random() < spec.repeat_rate:
                seen = rng.choice(earlier)
                abstract = seen.abstract if rng.random() < 0.5 else None
            else:
                title = writer.unique_title()
                abstract = writer.abstract(title) if rng.random() < 0.98 else None
                seen = _Seen(title, writer.authors(), abstract)
                today.append(seen)
            lines += (seen.title, seen.authors)
            if abstract:
                lines.append(abstract)
            lines += writer.commentary(seen.title)
            lines.append(writer.tags())
        earlier.extend(today)
        del earlier[: max(0, len(earlier) - 5000)]
        yield day, lines


MANIFEST = "manifest.json"


def generate(root: Path, spec: ArchiveSpec) -> Archive:
    """Write the archive under `root` (`YYYY/YYYY-MM-DD.txt` per `days_per_file` days)."""
    started = time.perf_counter()
    rng = random.Random(spec.seed)
    writer = NotesWriter(rng)
    files = days = 0
    chunk: list[str] = []
    chunk_day = date.min
    for day, lines in _days(spec, writer, rng):
        if not chunk:
            chunk_day = day
        chunk += lines
        days += 1
        if days % spec.days_per_file == 0:
            _write(root, chunk_day, chunk)
            files, chunk = files + 1, []
    if chunk:
        _write(root, chunk_day, chunk)
        files += 1
    archive = Archive(
        root=root,
        spec=spec,
        files=files,
        days=days,
        entries=spec.entries,
        papers=writer.papers,
        generate_seconds=time.perf_counter() - started,
    )
    manifest = {k: v for k, v in asdict(archive).items() if k not in ("root", "spec")}
    (root / MANIFEST).write_text(json.dumps({**manifest, "spec": asdict(spec)}, indent=2))
    return archive


def _write(root: Path, first_day: date, lines: list[str]) -> None:
    folder = root / f"{first_day.year:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{first_day.isoformat()}.txt").write_bytes(("\n".join(lines) + "\n").encode())


def ensure(root: Path, spec: ArchiveSpec, log: Callable[[str], None] = print) -> Archive:
    """The archive at `root`: reused when its manifest matches `spec`, else generated."""
    manifest_path = root / MANIFEST
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("spec") == asdict(spec):
            log(f"reusing the archive in {root}")
            manifest.pop("spec")
            return Archive(root=root, spec=spec, **manifest)
    if root.exists() and any(root.iterdir()):
        if not manifest_path.exists():
            raise FileExistsError(f"{root} is not empty and holds no generated archive")
        shutil.rmtree(root)
    log(f"generating {spec.entries:,} entries into {root} …")
    return generate(root, spec)
