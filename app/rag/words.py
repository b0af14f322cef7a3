"""Words that name nothing: what is left of a question once they are gone is its own topic."""

from __future__ import annotations


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words, question words and the verbs questions are built with.
STOP = _set(
    """
    a an the and or but nor so yet if then than as of at by for from in into on onto to up down
    with without within about above below over under after before since until while during
    between through across against among around behind beyond near off out via per
    i me my mine we us our you your he him his she her it its it's itself they them their theirs
    this that these those there here who whom whose which what when where why how whether
    is are was were be been being am do does did done doing have has had having
    can could shall should will would may might must ought need
    not no yes ok okay please thanks thank hi hello hey just only also too very really much many
    more most less least some any all each every both either neither other another such same
    own one ones something anything everything nothing someone anyone else ever never still
    already again now today currently yet even exactly about actually
    tell give show explain describe list compare find check know get got make made let say said
    mean means meant see look want like go going went come came take took put use used using
    become became begin began end ended stop stopped change changed allow happen
    s t d ll re ve m
    """
)

# Attributes any token, contract, protocol or event has: a question made of these alone asks
# about something named before ("How much was lost?", "What is the contract address?").
GENERIC = _set(
    """
    address addresses contract contracts token tokens coin coins symbol ticker name names
    decimals decimal supply total circulating max price prices value worth market cap
    chain chains network networks mainnet deployed deploy deployment deployer live
    launch launched launching created create start started founded founder founders team
    owner owners owned ownership admin admins upgradeable upgrade upgrades proxy implementation
    pause paused pausable blacklist freeze frozen mint minted minting burn burned burnt
    audit audited audits auditor safe safety risk risks risky secure security scam legit
    legitimate trust trusted trustworthy verified official real fake genuine canonical native
    lost lose loss losses stolen steal stole drained drain hacked hack hacks exploit exploits
    exploited attack attacks attacked attacker attackers hacker hackers exploiter thief theft
    happened happen happens cause caused causes reason reasons result impact effect
    recovered recover returned return refund refunded repaid funds money dollars usd amount
    amounts date year years month time long old new version versions
    fee fees cost costs charge charges charged pay paid yield apy apr reward rewards
    governance vote votes voting holders holder issuer issued issue backed backing
    work works working used purpose details detail info information summary
    website site link docs documentation whitepaper support supported
    buy sell swap trade stake staking unstake withdraw withdrawal withdrawals deposit redeem
    bridge bridged bridging send transfer hold store wallet pool pools vault vaults
    happened behind responsible involved affected who's what's
    user users people receive give gets possible available allowed able enough
    premine pre-mine allocation allocations airdrop airdrops distribution distributed vesting
    unlock unlocks tokenomics emission emissions inflation treasury investors investor backers
    big bigger biggest large larger largest small smaller smallest good bad better best
    first last latest current previous next final
    v1 v2 v3 v4 v5 tvl nft nfts defi dex cex amm evm usd us l1 l2
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    """
)

# Ordinary English words that are also tickers of the token list: "is it safe?" and "what is
# the key risk?" ask about no token. Written in capitals ("MASK") they still name one.
ORDINARY = _set(
    """
    alice alpha alt amp ant ape ash asset auction audio band bat beam bill bit blast blend bond
    cake chip cook cookie corn cow cube cyber dent dose dual edge era farm flock fluid flux fold
    fort forth fox fun genius gods grove gun high home hype hyper index jam keep kernel key kite
    lit magic mask math meme mint move multi muse nom ocean omni orca pirate plume pod pond portal
    prime pro prompt pros prove quick quid rain rare rave recall red rep rook sand scor seam sent
    sign sky socks spell sup super swell syrup term time tone towns tread tree tribe turbo usual
    velo virtual well
    """
)

COMMON = STOP | GENERIC | ORDINARY


def is_common(word: str) -> bool:
    """Whether a word, or its stem ("gets", "trading", "launched"), names nothing."""
    low = word.lower().strip("'\u2019")
    if low in COMMON:
        return True
    if len(low) <= 4 or not low.endswith(("s", "ed", "ing", "d")):
        return False
    return any(s in COMMON for s in (low[:-1], low[:-2], low[:-3], low[:-3] + "e", low[:-2] + "e"))
